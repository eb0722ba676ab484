// Command licence-scan names the licences in licence files with github.com/google/licensecheck,
// the classifier behind pkg.go.dev's licence detection. It reads one file path a line on stdin
// and writes one JSON object a line: the file, how much of its text (in percent of its words) the
// matches cover, and the IDs of the licences found (SPDX IDs where SPDX has one).
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"

	"github.com/google/licensecheck"
)

type result struct {
	File     string   `json:"file"`
	Percent  float64  `json:"percent"`
	Licences []string `json:"licences"`
	Error    string   `json:"error,omitempty"`
}

func scan(path string) result {
	text, err := os.ReadFile(path)
	if err != nil {
		return result{File: path, Licences: []string{}, Error: err.Error()}
	}
	cov := licensecheck.Scan(text)
	r := result{File: path, Percent: cov.Percent, Licences: []string{}}
	for _, m := range cov.Match {
		r.Licences = append(r.Licences, m.ID)
	}
	return r
}

func main() {
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 64*1024), 1024*1024)
	out := json.NewEncoder(os.Stdout)
	for in.Scan() {
		if in.Text() == "" {
			continue
		}
		if err := out.Encode(scan(in.Text())); err != nil {
			fmt.Fprintln(os.Stderr, "licence-scan:", err)
			os.Exit(1)
		}
	}
	if err := in.Err(); err != nil {
		fmt.Fprintln(os.Stderr, "licence-scan:", err)
		os.Exit(1)
	}
}
