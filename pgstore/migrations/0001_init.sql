-- mailward shared store, version 1: quarantine, audit log, review sessions,
-- message log, allow and block lists, and the schedule of jobs that run once
-- across gateways. Text compared by range (reversed addresses) uses the "C"
-- collation so that a byte-wise prefix range is an index range.

CREATE TABLE quarantine (
	id text PRIMARY KEY,
	received timestamptz NOT NULL,
	status text NOT NULL,
	version bigint NOT NULL,
	raw_removed boolean NOT NULL DEFAULT false,
	record jsonb NOT NULL
);
CREATE INDEX quarantine_received ON quarantine (received DESC, id);

-- The held bytes, apart from the record so that a listing never reads them.
CREATE TABLE quarantine_raw (
	id text PRIMARY KEY REFERENCES quarantine (id) ON DELETE CASCADE,
	raw bytea NOT NULL
);

CREATE TABLE audit (
	seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	time timestamptz NOT NULL,
	who text NOT NULL DEFAULT '',
	role text NOT NULL DEFAULT '',
	what text NOT NULL,
	msg_id text NOT NULL DEFAULT '',
	detail text NOT NULL DEFAULT '',
	remote text NOT NULL DEFAULT ''
);
CREATE INDEX audit_time ON audit (time);
CREATE INDEX audit_msg ON audit (msg_id) WHERE msg_id <> '';

-- Review sessions by the SHA-256 of their cookie, never the cookie itself.
CREATE TABLE review_sessions (
	token_hash text PRIMARY KEY,
	user_name text NOT NULL,
	csrf text NOT NULL,
	expires timestamptz NOT NULL
);
CREATE INDEX review_sessions_expires ON review_sessions (expires);

CREATE TABLE msglog_messages (
	seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	time timestamptz NOT NULL,
	queue_id text NOT NULL,
	gateway text NOT NULL DEFAULT '',
	client text NOT NULL DEFAULT '',
	direction text NOT NULL,
	sender_r text COLLATE "C" NOT NULL,
	rcpts jsonb NOT NULL,
	size bigint NOT NULL,
	action text NOT NULL,
	rule text NOT NULL,
	categories text[] NOT NULL DEFAULT '{}',
	scores jsonb,
	reply text NOT NULL DEFAULT '',
	quarantine_id text NOT NULL DEFAULT ''
);
CREATE INDEX msglog_messages_sender ON msglog_messages (sender_r, time);
CREATE INDEX msglog_messages_time ON msglog_messages (time);
CREATE INDEX msglog_messages_queue ON msglog_messages (queue_id);
CREATE INDEX msglog_messages_quarantine ON msglog_messages (quarantine_id) WHERE quarantine_id <> '';

CREATE TABLE msglog_recipients (
	addr_r text COLLATE "C" NOT NULL,
	time timestamptz NOT NULL,
	seq bigint NOT NULL,
	PRIMARY KEY (addr_r, time, seq)
);
CREATE INDEX msglog_recipients_time ON msglog_recipients (time);

CREATE TABLE msglog_events (
	id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	time timestamptz NOT NULL,
	quarantine_id text NOT NULL,
	what text NOT NULL,
	who text NOT NULL DEFAULT '',
	recipients integer NOT NULL DEFAULT 0
);
CREATE INDEX msglog_events_quarantine ON msglog_events (quarantine_id);
CREATE INDEX msglog_events_time ON msglog_events (time);

CREATE TABLE msglog_daily (
	day text NOT NULL,
	direction text NOT NULL,
	action text NOT NULL,
	rule text NOT NULL,
	category text NOT NULL,
	n bigint NOT NULL,
	PRIMARY KEY (day, direction, action, rule, category)
);

CREATE TABLE msglog_meta (
	key text PRIMARY KEY,
	value text NOT NULL
);

CREATE TABLE list_entries (
	id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	kind text NOT NULL,
	match text NOT NULL,
	directions text[] NOT NULL DEFAULT '{}',
	categories text[] NOT NULL DEFAULT '{}',
	action text NOT NULL DEFAULT '',
	reason text NOT NULL,
	expires timestamptz,
	created timestamptz NOT NULL,
	created_by text NOT NULL
);
CREATE TABLE list_version (
	id integer PRIMARY KEY CHECK (id = 1),
	n bigint NOT NULL
);
INSERT INTO list_version (id, n) VALUES (1, 0);

-- Jobs that run once across gateways (retention purges): when each last ran.
CREATE TABLE jobs (
	name text PRIMARY KEY,
	last_run timestamptz NOT NULL
);
