// Package sqlpostgres is a small k6 extension giving k6 v2 scripts SQL access to PostgreSQL.
//
// It stands in for grafana/xk6-sql + xk6-sql-driver-postgres, whose k6-v2 releases the Go module
// proxy used by this project does not serve (see tools/README.md). It registers the same import
// names and the subset of their API the lab uses, so a script written against it also runs on the
// upstream extensions:
//
//	import sql from "k6/x/sql";
//	import driver from "k6/x/sql/driver/postgres";
//	const db = sql.open(driver, "postgres://faultline@127.0.0.1:15432/faultline?sslmode=disable");
//	const rows = db.query("SELECT count(*) AS n FROM orders WHERE status = $1", "paid"); // [{n: 42}]
//	db.exec("DELETE FROM orders WHERE id = $1", id);                                    // {rowsAffected}
//	db.close();
package sqlpostgres

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	_ "github.com/lib/pq" // registers the "postgres" database/sql driver
	"go.k6.io/k6/v2/js/modules"
)

// driverName is the default export of k6/x/sql/driver/postgres: what sql.open() takes.
const driverName = "postgres"

func init() {
	modules.Register("k6/x/sql", new(rootModule))
	modules.Register("k6/x/sql/driver/postgres", new(driverModule))
}

type rootModule struct{}

func (*rootModule) NewModuleInstance(vu modules.VU) modules.Instance { return &sqlInstance{vu: vu} }

type sqlInstance struct{ vu modules.VU }

func (s *sqlInstance) Exports() modules.Exports {
	api := &SQL{vu: s.vu}
	return modules.Exports{Default: api, Named: map[string]any{"open": api.Open}}
}

type driverModule struct{}

func (*driverModule) NewModuleInstance(modules.VU) modules.Instance { return driverInstance{} }

type driverInstance struct{}

func (driverInstance) Exports() modules.Exports { return modules.Exports{Default: driverName} }

// SQL is the default export of k6/x/sql.
type SQL struct{ vu modules.VU }

// Open connects with the given driver (only postgres is built in) and connection string.
func (s *SQL) Open(driver string, dsn string) (*Database, error) {
	if driver != driverName {
		return nil, fmt.Errorf("sql.open: unknown driver %q: import driver from \"k6/x/sql/driver/postgres\"", driver)
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		return nil, fmt.Errorf("sql.open: %w", err)
	}
	// One VU runs one statement at a time: a small pool is plenty and keeps connection counts low.
	db.SetMaxOpenConns(2)
	db.SetConnMaxIdleTime(30 * time.Second)
	return &Database{vu: s.vu, db: db}, nil
}

// Database is what sql.open returns.
type Database struct {
	vu modules.VU
	db *sql.DB
}

// Result is what exec returns.
type Result struct {
	RowsAffected int64 `js:"rowsAffected"`
}

func (d *Database) ctx() context.Context {
	if d.vu != nil {
		if c := d.vu.Context(); c != nil {
			return c
		}
	}
	return context.Background()
}

// Exec runs a statement that returns no rows.
func (d *Database) Exec(query string, args ...any) (*Result, error) {
	res, err := d.db.ExecContext(d.ctx(), query, args...)
	if err != nil {
		return nil, err
	}
	n, err := res.RowsAffected()
	if err != nil {
		n = -1
	}
	return &Result{RowsAffected: n}, nil
}

// Query runs a statement and returns its rows as objects keyed by column name.
func (d *Database) Query(query string, args ...any) ([]map[string]any, error) {
	rows, err := d.db.QueryContext(d.ctx(), query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	out := []map[string]any{}
	for rows.Next() {
		values := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range values {
			ptrs[i] = &values[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		row := make(map[string]any, len(cols))
		for i, c := range cols {
			row[c] = jsValue(values[i])
		}
		out = append(out, row)
	}
	return out, rows.Err()
}

// Close closes the connection pool.
func (d *Database) Close() error { return d.db.Close() }

// jsValue turns what the driver scanned into something JavaScript reads naturally.
func jsValue(v any) any {
	switch x := v.(type) {
	case []byte:
		return string(x)
	case time.Time:
		return x.UTC().Format(time.RFC3339Nano)
	default:
		return x
	}
}
