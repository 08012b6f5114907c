package msglog

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	_ "modernc.org/sqlite" // the "sqlite" database/sql driver, pure Go
)

// SQLite is the embedded Store: one database file in WAL mode (readers never
// wait for the writer), written by OpenSQLite's caller through a Writer.
//
// Addresses are stored lowercased and reversed ("example.org@ann" becomes
// "gro.elpmaxe@nna"), so that one index answers both an exact address and a
// whole domain (a prefix of the reversed form). Recipients live in their own
// table, clustered by (address, time), so that a recipient search reads a
// contiguous range in time order. Per-day counts are kept beside the rows,
// updated in the same transaction, so that trend reports never scan a year
// of messages.
type SQLite struct {
	db  *sql.DB
	loc *time.Location
}

var _ Store = (*SQLite)(nil)

// SQLiteOptions tune OpenSQLite.
type SQLiteOptions struct {
	// Location is the time zone of the per-day counts (tracker.time_zone);
	// nil means UTC.
	Location *time.Location
}

const schema = `
CREATE TABLE IF NOT EXISTS messages (
	seq INTEGER PRIMARY KEY,
	time INTEGER NOT NULL,
	queue_id TEXT NOT NULL,
	gateway TEXT NOT NULL DEFAULT '',
	client TEXT NOT NULL DEFAULT '',
	direction TEXT NOT NULL,
	sender_r TEXT NOT NULL,
	rcpts TEXT NOT NULL,
	size INTEGER NOT NULL,
	action TEXT NOT NULL,
	rule TEXT NOT NULL,
	categories TEXT NOT NULL,
	scores TEXT NOT NULL DEFAULT '',
	reply TEXT NOT NULL DEFAULT '',
	quarantine_id TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS messages_sender ON messages(sender_r, time);
CREATE INDEX IF NOT EXISTS messages_time ON messages(time);
CREATE INDEX IF NOT EXISTS messages_queue ON messages(queue_id);
CREATE INDEX IF NOT EXISTS messages_quarantine ON messages(quarantine_id) WHERE quarantine_id <> '';
CREATE TABLE IF NOT EXISTS recipients (
	addr_r TEXT NOT NULL,
	time INTEGER NOT NULL,
	seq INTEGER NOT NULL,
	PRIMARY KEY (addr_r, time, seq)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS recipients_time ON recipients(time);
CREATE TABLE IF NOT EXISTS events (
	id INTEGER PRIMARY KEY,
	time INTEGER NOT NULL,
	quarantine_id TEXT NOT NULL,
	what TEXT NOT NULL,
	who TEXT NOT NULL DEFAULT '',
	recipients INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS events_quarantine ON events(quarantine_id);
CREATE INDEX IF NOT EXISTS events_time ON events(time);
CREATE TABLE IF NOT EXISTS daily (
	day TEXT NOT NULL,
	direction TEXT NOT NULL,
	action TEXT NOT NULL,
	rule TEXT NOT NULL,
	category TEXT NOT NULL,
	n INTEGER NOT NULL,
	PRIMARY KEY (day, direction, action, rule, category)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
INSERT OR IGNORE INTO meta(key, value) VALUES ('schema', '1');
`

// OpenSQLite opens (creating when missing) the database at path, in WAL
// mode with a busy timeout, so that the CLI and the review page may read
// while serve writes.
func OpenSQLite(path string, o SQLiteOptions) (*SQLite, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("msglog open %s: %w", path, err)
	}
	q := url.Values{}
	for _, p := range []string{"journal_mode(WAL)", "busy_timeout(10000)", "synchronous(NORMAL)", "cache_size(-32768)", "foreign_keys(OFF)"} {
		q.Add("_pragma", p)
	}
	// Write transactions take the lock at BEGIN: two writers then queue on
	// the busy timeout instead of failing to upgrade a read lock.
	q.Set("_txlock", "immediate")
	db, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("msglog open %s: %w", path, err)
	}
	db.SetMaxOpenConns(8)
	if _, err := db.Exec(schema); err != nil {
		db.Close()
		return nil, fmt.Errorf("msglog open %s: schema: %w", path, err)
	}
	// The file holds envelope addresses: readable by mailward only.
	os.Chmod(path, 0o600)
	loc := o.Location
	if loc == nil {
		loc = time.UTC
	}
	return &SQLite{db: db, loc: loc}, nil
}

// Close implements Store.
func (s *SQLite) Close() error { return s.db.Close() }

// reverse reverses a string by runes (see SQLite: the address key).
func reverse(s string) string {
	r := []rune(s)
	slices.Reverse(r)
	return string(r)
}

// addrKey is the stored, searchable form of an address.
func addrKey(a string) string { return reverse(normalize(a)) }

// addrMatch returns the SQL condition and arguments for an address query
// on column col: exact, or a whole domain for "@domain" (a range of the
// reversed key: "@" + 1 is "A").
func addrMatch(col, q string) (string, []any) {
	q = normalize(q)
	if strings.HasPrefix(q, "@") {
		lo := reverse(q)
		hi := strings.TrimSuffix(lo, "@") + "A"
		return col + " >= ? AND " + col + " < ?", []any{lo, hi}
	}
	return col + " = ?", []any{reverse(q)}
}

func micros(t time.Time) int64 { return t.UnixMicro() }

func catField(cats []string) string {
	if len(cats) == 0 {
		return ""
	}
	return "," + strings.Join(cats, ",") + ","
}

// Append implements Store: the rows, their recipients and the per-day
// counts, in one transaction. Rows go in as multi-row INSERTs with
// sequence numbers assigned here (the transaction holds the write lock from
// BEGIN), which is several times faster than a statement per row.
func (s *SQLite) Append(ctx context.Context, recs []Record) error {
	if len(recs) == 0 {
		return nil
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("msglog append: %w", err)
	}
	defer tx.Rollback()
	var seq int64
	if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(seq), 0) FROM messages`).Scan(&seq); err != nil {
		return fmt.Errorf("msglog append: %w", err)
	}
	var msgArgs, rcptArgs []any
	flushMsgs := func() error {
		n := len(msgArgs) / 15
		if n == 0 {
			return nil
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO messages(seq, time, queue_id, gateway, client, direction, sender_r, rcpts, size,
			action, rule, categories, scores, reply, quarantine_id) VALUES `+placeholders(n, 15), msgArgs...)
		msgArgs = msgArgs[:0]
		return err
	}
	flushRcpts := func() error {
		n := len(rcptArgs) / 3
		if n == 0 {
			return nil
		}
		_, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO recipients(addr_r, time, seq) VALUES `+placeholders(n, 3), rcptArgs...)
		rcptArgs = rcptArgs[:0]
		return err
	}
	days := map[DayCount]int64{}
	for i := range recs {
		r := &recs[i]
		to, _ := json.Marshal(r.To)
		scores := ""
		if len(r.Scores) > 0 {
			b, _ := json.Marshal(r.Scores)
			scores = string(b)
		}
		cats := slices.Clone(r.Categories)
		slices.Sort(cats)
		t := micros(r.Time)
		seq++
		msgArgs = append(msgArgs, seq, t, r.QueueID, r.Gateway, r.Client, r.Direction, addrKey(r.From), string(to), r.Size,
			r.Action, r.Rule, catField(cats), scores, r.Reply, r.QuarantineID)
		for _, a := range r.To {
			rcptArgs = append(rcptArgs, addrKey(a), t, seq)
		}
		if len(msgArgs) >= 15*rowsPerInsert {
			if err := flushMsgs(); err != nil {
				return fmt.Errorf("msglog append: %w", err)
			}
		}
		if len(rcptArgs) >= 3*rowsPerInsert {
			if err := flushRcpts(); err != nil {
				return fmt.Errorf("msglog append: recipients: %w", err)
			}
		}
		k := DayCount{Day: r.Time.In(s.loc).Format(time.DateOnly), Direction: r.Direction, Action: r.Action, Rule: r.Rule}
		days[k]++
		for _, c := range cats {
			k.Category = c
			days[k]++
		}
	}
	if err := flushMsgs(); err != nil {
		return fmt.Errorf("msglog append: %w", err)
	}
	if err := flushRcpts(); err != nil {
		return fmt.Errorf("msglog append: recipients: %w", err)
	}
	for k, n := range days {
		if _, err := tx.ExecContext(ctx, `INSERT INTO daily(day, direction, action, rule, category, n) VALUES (?,?,?,?,?,?)
			ON CONFLICT(day, direction, action, rule, category) DO UPDATE SET n = n + excluded.n`,
			k.Day, k.Direction, k.Action, k.Rule, k.Category, n); err != nil {
			return fmt.Errorf("msglog append: daily: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("msglog append: commit: %w", err)
	}
	return nil
}

// rowsPerInsert bounds one multi-row INSERT (15 columns: well under
// SQLite's limit of 32766 parameters).
const rowsPerInsert = 100

// placeholders is "(?,?,?),(?,?,?)" for n rows of cols columns.
func placeholders(n, cols int) string {
	row := "(?" + strings.Repeat(",?", cols-1) + ")"
	return row + strings.Repeat(","+row, n-1)
}

// AddEvent implements Store.
func (s *SQLite) AddEvent(ctx context.Context, e Event) error {
	if e.Time.IsZero() {
		e.Time = time.Now()
	}
	_, err := s.db.ExecContext(ctx, `INSERT INTO events(time, quarantine_id, what, who, recipients) VALUES (?,?,?,?,?)`,
		micros(e.Time), e.QuarantineID, e.What, e.Who, e.Recipients)
	if err != nil {
		return fmt.Errorf("msglog event %s: %w", e.QuarantineID, err)
	}
	return nil
}

const columns = `m.seq, m.time, m.queue_id, m.gateway, m.client, m.direction, m.sender_r, m.rcpts, m.size,
	m.action, m.rule, m.categories, m.scores, m.reply, m.quarantine_id`

// Search implements Store. An exact sender or recipient reads its index in
// time order and stops at the limit; a domain reads that domain's range.
func (s *SQLite) Search(ctx context.Context, q Query) (Page, error) {
	limit := q.Limit
	if limit <= 0 {
		limit = DefaultLimit
	}
	limit = min(limit, MaxLimit)
	var where []string
	var args []any
	from := "messages m"
	order := "m.time DESC, m.seq DESC"
	tcol, scol := "m.time", "m.seq"
	switch {
	case q.To != "" && q.From == "":
		// Driven by the recipient's clustered index.
		from = "recipients r JOIN messages m ON m.seq = r.seq"
		c, a := addrMatch("r.addr_r", q.To)
		where, args = append(where, c), append(args, a...)
		order, tcol, scol = "r.time DESC, r.seq DESC", "r.time", "r.seq"
	case q.To != "":
		c, a := addrMatch("x.addr_r", q.To)
		where = append(where, "EXISTS (SELECT 1 FROM recipients x WHERE x.seq = m.seq AND x.time = m.time AND "+c+")")
		args = append(args, a...)
	}
	if q.From != "" {
		c, a := addrMatch("m.sender_r", q.From)
		where, args = append(where, c), append(args, a...)
	}
	if !q.Since.IsZero() {
		where, args = append(where, tcol+" >= ?"), append(args, micros(q.Since))
	}
	if !q.Until.IsZero() {
		where, args = append(where, tcol+" < ?"), append(args, micros(q.Until))
	}
	if !q.Before.Time.IsZero() {
		t := micros(q.Before.Time)
		where = append(where, "("+tcol+" < ? OR ("+tcol+" = ? AND "+scol+" < ?))")
		args = append(args, t, t, q.Before.Seq)
	}
	for col, v := range map[string]string{"m.action": q.Action, "m.direction": q.Direction} {
		if v != "" {
			where, args = append(where, col+" = ?"), append(args, v)
		}
	}
	if q.Category != "" {
		where, args = append(where, "instr(m.categories, ?) > 0"), append(args, ","+q.Category+",")
	}
	if q.QueueID != "" {
		// The literal "<> ''" lets SQLite use the partial index of held ones.
		where = append(where, "(m.queue_id = ? OR (m.quarantine_id = ? AND m.quarantine_id <> ''))")
		args = append(args, q.QueueID, q.QueueID)
	}
	stmt := "SELECT " + columns + " FROM " + from
	if len(where) > 0 {
		stmt += " WHERE " + strings.Join(where, " AND ")
	}
	stmt += " ORDER BY " + order + " LIMIT ?"
	args = append(args, limit+1)
	rows, err := s.db.QueryContext(ctx, stmt, args...)
	if err != nil {
		return Page{}, fmt.Errorf("msglog search: %w", err)
	}
	defer rows.Close()
	var page Page
	var seqs []int64
	seen := map[int64]bool{}
	for rows.Next() {
		var r Record
		var seq, t int64
		var sender, to, cats, scores string
		if err := rows.Scan(&seq, &t, &r.QueueID, &r.Gateway, &r.Client, &r.Direction, &sender, &to, &r.Size,
			&r.Action, &r.Rule, &cats, &scores, &r.Reply, &r.QuarantineID); err != nil {
			return Page{}, fmt.Errorf("msglog search: %w", err)
		}
		if len(page.Records) == limit {
			page.Next = Cursor{Time: page.Records[len(page.Records)-1].Time, Seq: seqs[len(seqs)-1]}
			break
		}
		if seen[seq] { // a domain search meets a message once per recipient there
			continue
		}
		seen[seq] = true
		r.Time = time.UnixMicro(t).UTC()
		r.From = reverse(sender)
		json.Unmarshal([]byte(to), &r.To)
		if cats != "" {
			r.Categories = strings.Split(strings.Trim(cats, ","), ",")
		}
		if scores != "" {
			json.Unmarshal([]byte(scores), &r.Scores)
		}
		page.Records = append(page.Records, r)
		seqs = append(seqs, seq)
	}
	if err := rows.Err(); err != nil {
		return Page{}, fmt.Errorf("msglog search: %w", err)
	}
	if err := s.attachEvents(ctx, page.Records); err != nil {
		return Page{}, err
	}
	return page, nil
}

// attachEvents fills the events of the held records.
func (s *SQLite) attachEvents(ctx context.Context, recs []Record) error {
	idx := map[string][]int{}
	var ids []any
	for i, r := range recs {
		if r.QuarantineID == "" {
			continue
		}
		if _, ok := idx[r.QuarantineID]; !ok {
			ids = append(ids, r.QuarantineID)
		}
		idx[r.QuarantineID] = append(idx[r.QuarantineID], i)
	}
	if len(ids) == 0 {
		return nil
	}
	rows, err := s.db.QueryContext(ctx, `SELECT time, quarantine_id, what, who, recipients FROM events WHERE quarantine_id IN (?`+
		strings.Repeat(",?", len(ids)-1)+`) ORDER BY time, id`, ids...)
	if err != nil {
		return fmt.Errorf("msglog events: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var e Event
		var t int64
		if err := rows.Scan(&t, &e.QuarantineID, &e.What, &e.Who, &e.Recipients); err != nil {
			return fmt.Errorf("msglog events: %w", err)
		}
		e.Time = time.UnixMicro(t).UTC()
		for _, i := range idx[e.QuarantineID] {
			recs[i].Events = append(recs[i].Events, e)
		}
	}
	return rows.Err()
}

// purgeChunk bounds one purge transaction, so that the writer never waits
// long behind it.
const purgeChunk = 20000

// Purge implements Store, in short transactions of at most purgeChunk rows.
func (s *SQLite) Purge(ctx context.Context, before time.Time) (int64, error) {
	t := micros(before)
	var total int64
	for _, stmt := range []string{
		`DELETE FROM messages WHERE seq IN (SELECT seq FROM messages WHERE time < ? ORDER BY time LIMIT ?)`,
		`DELETE FROM recipients WHERE (addr_r, time, seq) IN (SELECT addr_r, time, seq FROM recipients WHERE time < ? ORDER BY time LIMIT ?)`,
		`DELETE FROM events WHERE id IN (SELECT id FROM events WHERE time < ? ORDER BY time LIMIT ?)`,
	} {
		for {
			res, err := s.db.ExecContext(ctx, stmt, t, purgeChunk)
			if err != nil {
				return total, fmt.Errorf("msglog purge: %w", err)
			}
			n, _ := res.RowsAffected()
			if strings.Contains(stmt, "FROM messages") {
				total += n
			}
			if n < purgeChunk {
				break
			}
		}
	}
	return total, nil
}

// Counts implements Store.
func (s *SQLite) Counts(ctx context.Context, since, until time.Time) ([]DayCount, error) {
	if !until.After(since) {
		return nil, nil
	}
	rows, err := s.db.QueryContext(ctx, `SELECT day, direction, action, rule, category, n FROM daily WHERE day >= ? AND day <= ? ORDER BY day`,
		since.In(s.loc).Format(time.DateOnly), until.Add(-time.Nanosecond).In(s.loc).Format(time.DateOnly))
	if err != nil {
		return nil, fmt.Errorf("msglog counts: %w", err)
	}
	defer rows.Close()
	var out []DayCount
	for rows.Next() {
		var d DayCount
		if err := rows.Scan(&d.Day, &d.Direction, &d.Action, &d.Rule, &d.Category, &d.N); err != nil {
			return nil, fmt.Errorf("msglog counts: %w", err)
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// Meta reads a value of the store's own key/value table ("" when unset):
// the monthly report job keeps its last month there.
func (s *SQLite) Meta(ctx context.Context, key string) (string, error) {
	var v string
	err := s.db.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = ?`, key).Scan(&v)
	if err == sql.ErrNoRows {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("msglog meta %s: %w", key, err)
	}
	return v, nil
}

// SetMeta sets a value of the store's key/value table when it still has
// the value old: a compare-and-set, so that of two processes sharing the
// file only one wins (the monthly report goes out once).
func (s *SQLite) SetMeta(ctx context.Context, key, old, value string) (bool, error) {
	var res sql.Result
	var err error
	if old == "" {
		// Unset and set to "" are the same.
		res, err = s.db.ExecContext(ctx, `INSERT INTO meta(key, value) VALUES (?, ?)
			ON CONFLICT(key) DO UPDATE SET value = excluded.value WHERE meta.value = ''`, key, value)
	} else {
		res, err = s.db.ExecContext(ctx, `UPDATE meta SET value = ? WHERE key = ? AND value = ?`, value, key, old)
	}
	if err != nil {
		return false, fmt.Errorf("msglog meta %s: %w", key, err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}
