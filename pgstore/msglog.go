package pgstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/mailward/mailward/msglog"
)

// MsgLog is the msglog.Store of the shared store: every gateway's message
// records in one place, searched as the embedded SQLite store searches
// (same address keys: lowercased and reversed, so that one index answers an
// exact address and a whole domain), with the per-day counts kept in the
// same transaction as the rows.
type MsgLog struct {
	db  *DB
	loc *time.Location
}

var _ msglog.Store = (*MsgLog)(nil)

// MsgLog returns the message log view of db; loc is the time zone of the
// per-day counts (tracker.time_zone), UTC when nil.
func (db *DB) MsgLog(loc *time.Location) *MsgLog {
	if loc == nil {
		loc = time.UTC
	}
	return &MsgLog{db: db, loc: loc}
}

// Close implements msglog.Store. The pool belongs to the DB: closing a
// view leaves it open.
func (m *MsgLog) Close() error { return nil }

func reverse(s string) string {
	r := []rune(s)
	slices.Reverse(r)
	return string(r)
}

func normalizeAddr(a string) string {
	a = strings.TrimSpace(strings.Trim(strings.TrimSpace(a), "<>"))
	return strings.ToLower(a)
}

func addrKey(a string) string { return reverse(normalizeAddr(a)) }

// addrMatch is the condition for an address query on col: exact, or a
// domain's range of reversed keys for "@domain" ("@" + 1 is "A").
func addrMatch(col, q string, args *[]any) string {
	q = normalizeAddr(q)
	if strings.HasPrefix(q, "@") {
		lo := reverse(q)
		hi := strings.TrimSuffix(lo, "@") + "A"
		*args = append(*args, lo, hi)
		return fmt.Sprintf("%s >= $%d AND %s < $%d", col, len(*args)-1, col, len(*args))
	}
	*args = append(*args, reverse(q))
	return fmt.Sprintf("%s = $%d", col, len(*args))
}

// Append implements msglog.Store: rows, recipients and per-day counts in
// one transaction, the rows through COPY.
func (m *MsgLog) Append(ctx context.Context, recs []msglog.Record) error {
	if len(recs) == 0 {
		return nil
	}
	err := pgx.BeginFunc(ctx, m.db.pool, func(tx pgx.Tx) error {
		// Sequence numbers are taken first so that the recipients can name
		// them in the same COPY-sized batch.
		rows, err := tx.Query(ctx, `SELECT nextval(pg_get_serial_sequence('msglog_messages', 'seq')) FROM generate_series(1, $1)`, len(recs))
		if err != nil {
			return err
		}
		seqs, err := pgx.CollectRows(rows, pgx.RowTo[int64])
		if err != nil {
			return err
		}
		msgRows := make([][]any, 0, len(recs))
		var rcptRows [][]any
		days := map[msglog.DayCount]int64{}
		for i := range recs {
			r := &recs[i]
			to, _ := json.Marshal(r.To)
			var scores []byte
			if len(r.Scores) > 0 {
				scores, _ = json.Marshal(r.Scores)
			}
			cats := slices.Clone(r.Categories)
			slices.Sort(cats)
			if cats == nil {
				cats = []string{}
			}
			t := r.Time.UTC().Truncate(time.Microsecond)
			msgRows = append(msgRows, []any{seqs[i], t, r.QueueID, r.Gateway, r.Client, r.Direction, addrKey(r.From), string(to), r.Size,
				r.Action, r.Rule, cats, nullJSON(scores), r.Reply, r.QuarantineID})
			seen := map[string]bool{}
			for _, a := range r.To {
				k := addrKey(a)
				if seen[k] {
					continue
				}
				seen[k] = true
				rcptRows = append(rcptRows, []any{k, t, seqs[i]})
			}
			k := msglog.DayCount{Day: r.Time.In(m.loc).Format(time.DateOnly), Direction: r.Direction, Action: r.Action, Rule: r.Rule}
			days[k]++
			for _, c := range cats {
				k.Category = c
				days[k]++
			}
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"msglog_messages"}, []string{"seq", "time", "queue_id", "gateway", "client",
			"direction", "sender_r", "rcpts", "size", "action", "rule", "categories", "scores", "reply", "quarantine_id"},
			pgx.CopyFromRows(msgRows)); err != nil {
			return err
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"msglog_recipients"}, []string{"addr_r", "time", "seq"}, pgx.CopyFromRows(rcptRows)); err != nil {
			return fmt.Errorf("recipients: %w", err)
		}
		b := &pgx.Batch{}
		for k, n := range days {
			b.Queue(`INSERT INTO msglog_daily (day, direction, action, rule, category, n) VALUES ($1, $2, $3, $4, $5, $6)
				ON CONFLICT (day, direction, action, rule, category) DO UPDATE SET n = msglog_daily.n + excluded.n`,
				k.Day, k.Direction, k.Action, k.Rule, k.Category, n)
		}
		if err := tx.SendBatch(ctx, b).Close(); err != nil {
			return fmt.Errorf("daily: %w", err)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("msglog append: %w", err)
	}
	return nil
}

// nullJSON is nil (SQL NULL) for no scores.
func nullJSON(b []byte) any {
	if len(b) == 0 {
		return nil
	}
	return string(b)
}

// AddEvent implements msglog.Store.
func (m *MsgLog) AddEvent(ctx context.Context, e msglog.Event) error {
	if e.Time.IsZero() {
		e.Time = m.db.now()
	}
	_, err := m.db.pool.Exec(ctx, `INSERT INTO msglog_events (time, quarantine_id, what, who, recipients) VALUES ($1, $2, $3, $4, $5)`,
		e.Time.UTC(), e.QuarantineID, e.What, e.Who, e.Recipients)
	if err != nil {
		return fmt.Errorf("msglog event %s: %w", e.QuarantineID, err)
	}
	return nil
}

const msgColumns = `m.seq, m.time, m.queue_id, m.gateway, m.client, m.direction, m.sender_r, m.rcpts, m.size,
	m.action, m.rule, m.categories, coalesce(m.scores::text, ''), m.reply, m.quarantine_id`

// Search implements msglog.Store.
func (m *MsgLog) Search(ctx context.Context, q msglog.Query) (msglog.Page, error) {
	limit := q.Limit
	if limit <= 0 {
		limit = msglog.DefaultLimit
	}
	limit = min(limit, msglog.MaxLimit)
	var where []string
	var args []any
	arg := func(v any) string { args = append(args, v); return "$" + strconv.Itoa(len(args)) }
	from := "msglog_messages m"
	order := "m.time DESC, m.seq DESC"
	tcol, scol := "m.time", "m.seq"
	switch {
	case q.To != "" && q.From == "":
		from = "msglog_recipients r JOIN msglog_messages m ON m.seq = r.seq"
		where = append(where, addrMatch("r.addr_r", q.To, &args))
		order, tcol, scol = "r.time DESC, r.seq DESC", "r.time", "r.seq"
	case q.To != "":
		c := addrMatch("x.addr_r", q.To, &args)
		where = append(where, "EXISTS (SELECT 1 FROM msglog_recipients x WHERE x.seq = m.seq AND x.time = m.time AND "+c+")")
	}
	if q.From != "" {
		where = append(where, addrMatch("m.sender_r", q.From, &args))
	}
	if !q.Since.IsZero() {
		where = append(where, tcol+" >= "+arg(q.Since.UTC()))
	}
	if !q.Until.IsZero() {
		where = append(where, tcol+" < "+arg(q.Until.UTC()))
	}
	if !q.Before.Time.IsZero() {
		t := arg(q.Before.Time.UTC())
		where = append(where, "("+tcol+" < "+t+" OR ("+tcol+" = "+t+" AND "+scol+" < "+arg(q.Before.Seq)+"))")
	}
	if q.Action != "" {
		where = append(where, "m.action = "+arg(q.Action))
	}
	if q.Direction != "" {
		where = append(where, "m.direction = "+arg(q.Direction))
	}
	if q.Category != "" {
		where = append(where, arg(q.Category)+" = ANY (m.categories)")
	}
	if q.QueueID != "" {
		p := arg(q.QueueID)
		where = append(where, "(m.queue_id = "+p+" OR (m.quarantine_id = "+p+" AND m.quarantine_id <> ''))")
	}
	stmt := "SELECT " + msgColumns + " FROM " + from
	if len(where) > 0 {
		stmt += " WHERE " + strings.Join(where, " AND ")
	}
	stmt += " ORDER BY " + order + " LIMIT " + arg(limit+1)
	rows, err := m.db.pool.Query(ctx, stmt, args...)
	if err != nil {
		return msglog.Page{}, fmt.Errorf("msglog search: %w", err)
	}
	defer rows.Close()
	var page msglog.Page
	var seqs []int64
	seen := map[int64]bool{}
	for rows.Next() {
		var r msglog.Record
		var seq int64
		var t time.Time
		var sender, scores string
		var to []byte
		var cats []string
		if err := rows.Scan(&seq, &t, &r.QueueID, &r.Gateway, &r.Client, &r.Direction, &sender, &to, &r.Size,
			&r.Action, &r.Rule, &cats, &scores, &r.Reply, &r.QuarantineID); err != nil {
			return msglog.Page{}, fmt.Errorf("msglog search: %w", err)
		}
		if len(page.Records) == limit {
			page.Next = msglog.Cursor{Time: page.Records[len(page.Records)-1].Time, Seq: seqs[len(seqs)-1]}
			break
		}
		if seen[seq] {
			continue
		}
		seen[seq] = true
		r.Time = t.UTC()
		r.From = reverse(sender)
		json.Unmarshal(to, &r.To)
		if len(cats) > 0 {
			r.Categories = cats
		}
		if scores != "" {
			json.Unmarshal([]byte(scores), &r.Scores)
		}
		page.Records = append(page.Records, r)
		seqs = append(seqs, seq)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return msglog.Page{}, fmt.Errorf("msglog search: %w", err)
	}
	if err := m.attachEvents(ctx, page.Records); err != nil {
		return msglog.Page{}, err
	}
	return page, nil
}

func (m *MsgLog) attachEvents(ctx context.Context, recs []msglog.Record) error {
	idx := map[string][]int{}
	var ids []string
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
	rows, err := m.db.pool.Query(ctx, `SELECT time, quarantine_id, what, who, recipients FROM msglog_events
		WHERE quarantine_id = ANY ($1) ORDER BY time, id`, ids)
	if err != nil {
		return fmt.Errorf("msglog events: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var e msglog.Event
		if err := rows.Scan(&e.Time, &e.QuarantineID, &e.What, &e.Who, &e.Recipients); err != nil {
			return fmt.Errorf("msglog events: %w", err)
		}
		e.Time = e.Time.UTC()
		for _, i := range idx[e.QuarantineID] {
			recs[i].Events = append(recs[i].Events, e)
		}
	}
	return rows.Err()
}

// purgeChunk bounds one purge statement so that writers never wait long.
const purgeChunk = 20000

// Purge implements msglog.Store, in short statements, once across gateways
// (under the "msglog-purge" lock; a gateway that finds another purging
// returns 0).
func (m *MsgLog) Purge(ctx context.Context, before time.Time) (int64, error) {
	var total int64
	_, err := m.db.Exclusive(ctx, "msglog-purge", func(ctx context.Context) error {
		for _, stmt := range []string{
			`DELETE FROM msglog_messages WHERE seq IN (SELECT seq FROM msglog_messages WHERE time < $1 ORDER BY time LIMIT $2)`,
			`DELETE FROM msglog_recipients WHERE (addr_r, time, seq) IN (SELECT addr_r, time, seq FROM msglog_recipients WHERE time < $1 ORDER BY time LIMIT $2)`,
			`DELETE FROM msglog_events WHERE id IN (SELECT id FROM msglog_events WHERE time < $1 ORDER BY time LIMIT $2)`,
		} {
			for {
				tag, err := m.db.pool.Exec(ctx, stmt, before.UTC(), purgeChunk)
				if err != nil {
					return err
				}
				if strings.Contains(stmt, "FROM msglog_messages") {
					total += tag.RowsAffected()
				}
				if tag.RowsAffected() < purgeChunk {
					break
				}
			}
		}
		return nil
	})
	if err != nil {
		return total, fmt.Errorf("msglog purge: %w", err)
	}
	return total, nil
}

// Counts implements msglog.Store.
func (m *MsgLog) Counts(ctx context.Context, since, until time.Time) ([]msglog.DayCount, error) {
	if !until.After(since) {
		return nil, nil
	}
	rows, err := m.db.pool.Query(ctx, `SELECT day, direction, action, rule, category, n FROM msglog_daily
		WHERE day >= $1 AND day <= $2 ORDER BY day`,
		since.In(m.loc).Format(time.DateOnly), until.Add(-time.Nanosecond).In(m.loc).Format(time.DateOnly))
	if err != nil {
		return nil, fmt.Errorf("msglog counts: %w", err)
	}
	defer rows.Close()
	var out []msglog.DayCount
	for rows.Next() {
		var d msglog.DayCount
		if err := rows.Scan(&d.Day, &d.Direction, &d.Action, &d.Rule, &d.Category, &d.N); err != nil {
			return nil, fmt.Errorf("msglog counts: %w", err)
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// Meta reads a value of the message log's key/value table ("" when unset):
// the monthly report keeps its last month there (report.Marker).
func (m *MsgLog) Meta(ctx context.Context, key string) (string, error) {
	var v string
	err := m.db.pool.QueryRow(ctx, `SELECT value FROM msglog_meta WHERE key = $1`, key).Scan(&v)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("msglog meta %s: %w", key, err)
	}
	return v, nil
}

// SetMeta sets key to value if it still has old: a compare-and-set, so
// that of several gateways only one sends the monthly report.
func (m *MsgLog) SetMeta(ctx context.Context, key, old, value string) (bool, error) {
	var err error
	var n int64
	if old == "" {
		tag, e := m.db.pool.Exec(ctx, `INSERT INTO msglog_meta (key, value) VALUES ($1, $2)
			ON CONFLICT (key) DO UPDATE SET value = excluded.value WHERE msglog_meta.value = ''`, key, value)
		err, n = e, tag.RowsAffected()
	} else {
		tag, e := m.db.pool.Exec(ctx, `UPDATE msglog_meta SET value = $1 WHERE key = $2 AND value = $3`, value, key, old)
		err, n = e, tag.RowsAffected()
	}
	if err != nil {
		return false, fmt.Errorf("msglog meta %s: %w", key, err)
	}
	return n == 1, nil
}
