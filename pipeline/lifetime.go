package pipeline

import "sync"

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
