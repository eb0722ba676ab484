/**
 * The metrics the app publishes for checks from outside (a fault's visibility check, a
 * scenario's hypothesis): names and the labels that say which edge a sample belongs to. The
 * app's own metrics are declared with these, so a rename shows in every check at once.
 * Every series also carries `job`, the service name, set by whoever scrapes the app.
 */

/** Outbound HTTP calls of a service, labelled by peer (`server_address`), the port called (`server_port`: which instance of the peer) and failure (`error_type`, '' when none). */
export const HTTP_CLIENT_DURATION = 'http_client_request_duration_seconds';
/** Database operations of a service, labelled `db_system_name`. */
export const DB_CLIENT_DURATION = 'db_client_operation_duration_seconds';
/** The db_system_name of PostgreSQL calls. */
export const DB_SYSTEM_POSTGRES = 'postgresql';
/** Catalog cache lookups, labelled `cache` and `result` (hit, miss, coalesced, stale). */
export const CACHE_REQUESTS = 'cache_requests_total';
