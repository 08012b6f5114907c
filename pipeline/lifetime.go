package pipeline

import (
	"reflect"
	"sync"
	"sync/atomic"

	"github.com/mailward/mailward/config"
	"github.com/mailward/mailward/tracker"
)

// lifetime counts the users of a pipeline that a reload replaced, so that
// it closes (Redis client, clamd, directory) only after the last
// transaction that started with it has finished.
type lifetime struct {
	mu      sync.Mutex
	users   int
	retired bool
	closed  bool
}

// Use marks p in use by one more transaction or loop. It returns false when
// p was retired: take the current pipeline instead. Each true Use is ended
// by one Done.
func (p *Pipeline) Use() bool {
	p.life.mu.Lock()
	defer p.life.mu.Unlock()
	if p.life.retired {
		return false
	}
	p.life.users++
	return true
}

// Done ends one Use. The last Done after Retire closes p.
func (p *Pipeline) Done() {
	p.life.mu.Lock()
	p.life.users--
	last := p.life.retired && p.life.users == 0 && !p.life.closed
	if last {
		p.life.closed = true
	}
	p.life.mu.Unlock()
	if last {
		p.Close()
	}
}

// Retire refuses new users and closes p once the current ones are done (at
// once when there are none). A reload retires the pipeline it replaces.
func (p *Pipeline) Retire() {
	p.life.mu.Lock()
	p.life.retired = true
	last := p.life.users == 0 && !p.life.closed
	if last {
		p.life.closed = true
	}
	p.life.mu.Unlock()
	if last {
		p.Close()
	}
}

// sharedTracker is a tracker that successive pipelines share across
// reloads; it closes when the last pipeline holding it closes.
type sharedTracker struct {
	tr      tracker.Tracker
	redis   config.Redis
	tracker config.Tracker
	refs    atomic.Int32
}

// shareTracker returns prev's tracker, counted as one more user, when
// cfg's tracker settings equal those it was made with; otherwise nil.
func (p *Pipeline) shareTracker(cfg *config.Config) tracker.Tracker {
	if p.prev == nil || p.prev.tracker == nil {
		return nil
	}
	sh := p.prev.tracker
	if !reflect.DeepEqual(sh.redis, cfg.Redis) || !reflect.DeepEqual(sh.tracker, cfg.Tracker) {
		return nil
	}
	sh.refs.Add(1)
	p.tracker = sh
	return sh.tr
}

// ownTracker records tr as p's tracker (new, or shared by shareTracker)
// and returns p's close function for it.
func (p *Pipeline) ownTracker(cfg *config.Config, tr tracker.Tracker) func() error {
	if p.tracker == nil {
		p.tracker = &sharedTracker{tr: tr, redis: cfg.Redis, tracker: cfg.Tracker}
		p.tracker.refs.Add(1)
	}
	sh := p.tracker
	return func() error {
		if sh.refs.Add(-1) == 0 {
			return sh.tr.Close()
		}
		return nil
	}
}
