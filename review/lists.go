package review

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/mailward/mailward/config"
	"github.com/mailward/mailward/lists"
)

// SetLists makes the page manage the lists in st instead of the embedded
// file at lists.path (a shared store, tests).
func (s *Server) SetLists(st lists.Store) {
	s.listsMu.Lock()
	s.lists = st
	s.listsMu.Unlock()
}

// listStore opens the embedded lists file on first use. Relays read the
// same file through their own cache (lists.refresh).
func (s *Server) listStore() (lists.Store, error) {
	s.listsMu.Lock()
	defer s.listsMu.Unlock()
	if s.lists == nil {
		st, err := lists.OpenSQLite(s.cfg.Lists.Path)
		if err != nil {
			return nil, err
		}
		s.lists = st
	}
	return s.lists, nil
}

// listRow is an entry as the page shows it.
type listRow struct {
	lists.Entry
	Expired bool
}

// listsPage shows the allow and block lists and the form to add to them:
// admins only (every change is audited).
func (s *Server) listsPage(w http.ResponseWriter, r *http.Request, c *reqCtx) {
	if c.user.Role != config.RoleAdmin {
		s.audit(r.Context(), c, "denied", "", "allow and block lists")
		http.Error(w, "the allow and block lists are for admins", http.StatusForbidden)
		return
	}
	// Only numbers travel in the query, so that a link cannot put words
	// of its own on the page.
	done := ""
	q := r.URL.Query()
	if id, err := strconv.ParseInt(q.Get("added"), 10, 64); err == nil {
		done = "Added entry " + strconv.FormatInt(id, 10) + "."
	} else if id, err := strconv.ParseInt(q.Get("removed"), 10, 64); err == nil {
		done = "Removed entry " + strconv.FormatInt(id, 10) + "."
	}
	s.listsRender(w, r, c, http.StatusOK, "", done)
}

func (s *Server) listsRender(w http.ResponseWriter, r *http.Request, c *reqCtx, code int, errMsg, done string) {
	st, err := s.listStore()
	var es []lists.Entry
	if err == nil {
		es, err = st.List(r.Context())
	}
	if err != nil {
		s.log.Error("lists read", "err", err)
		http.Error(w, "the lists could not be read", http.StatusInternalServerError)
		return
	}
	now := s.now()
	var rows []listRow
	for i := len(es) - 1; i >= 0; i-- {
		rows = append(rows, listRow{Entry: es[i], Expired: !es[i].Active(now)})
	}
	d := s.pageData(c, "Allow and block lists")
	d["Rows"], d["Categories"], d["Error"], d["Done"] = rows, s.categories(r.Context()), errMsg, done
	s.render(w, code, "lists.html", d)
}

func (s *Server) listsAdd(w http.ResponseWriter, r *http.Request, c *reqCtx) {
	if c.user.Role != config.RoleAdmin {
		s.audit(r.Context(), c, "denied", "", "lists-add")
		http.Error(w, "the allow and block lists are for admins", http.StatusForbidden)
		return
	}
	now := s.now()
	exp, err := lists.ParseExpiry(r.PostFormValue("expires"), now, s.loc)
	back := func(msg string) { s.listsRender(w, r, c, http.StatusBadRequest, msg, "") }
	if err != nil {
		back(err.Error())
		return
	}
	var cats []string
	for _, x := range r.PostForm["category"] {
		if x != "" {
			cats = append(cats, x)
		}
	}
	e := lists.Entry{Kind: lists.Kind(r.PostFormValue("kind")), Match: r.PostFormValue("match"), Directions: r.PostForm["direction"],
		Categories: cats, Reason: r.PostFormValue("reason"), Expires: exp, Created: now.UTC(), CreatedBy: c.user.Name}
	if e.Kind == lists.Block {
		e.Action = r.PostFormValue("action")
	}
	st, err := s.listStore()
	if err == nil {
		e, err = st.Add(r.Context(), e)
	}
	if errors.Is(err, lists.ErrInvalid) {
		back(strings.TrimPrefix(err.Error(), "lists: "))
		return
	}
	if err != nil {
		s.log.Error("lists add", "err", err)
		http.Error(w, "the entry could not be stored", http.StatusInternalServerError)
		return
	}
	s.audit(r.Context(), c, "lists-add", "", e.Describe()+"; reason: "+e.Reason)
	s.log.Info("list entry added", "entry", e.Describe(), "by", c.user.Name)
	http.Redirect(w, r, "/lists?added="+strconv.FormatInt(e.ID, 10), http.StatusSeeOther)
}

func (s *Server) listsRemove(w http.ResponseWriter, r *http.Request, c *reqCtx) {
	if c.user.Role != config.RoleAdmin {
		s.audit(r.Context(), c, "denied", "", "lists-remove")
		http.Error(w, "the allow and block lists are for admins", http.StatusForbidden)
		return
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id < 1 {
		http.Error(w, "no such entry", http.StatusNotFound)
		return
	}
	st, err := s.listStore()
	var e lists.Entry
	if err == nil {
		e, err = st.Remove(r.Context(), id)
	}
	if errors.Is(err, lists.ErrNotFound) {
		http.Error(w, "no such entry", http.StatusNotFound)
		return
	}
	if err != nil {
		s.log.Error("lists remove", "err", err)
		http.Error(w, "the entry could not be removed", http.StatusInternalServerError)
		return
	}
	detail := e.Describe()
	if reason := strings.TrimSpace(r.PostFormValue("reason")); reason != "" {
		detail += "; reason: " + reason
	}
	s.audit(r.Context(), c, "lists-remove", "", detail)
	s.log.Info("list entry removed", "entry", e.Describe(), "by", c.user.Name)
	http.Redirect(w, r, "/lists?removed="+strconv.FormatInt(e.ID, 10), http.StatusSeeOther)
}
