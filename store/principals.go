package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"gorm.io/gorm"

	"tandem/domain"
)

// Principal cache. Every authenticated request resolves its bearer token to a principal
// (token, user, memberships, unit paths); PrincipalByToken answers from this cache when it can,
// saving a second database round trip per request.
//
// The guarantee users had without it stays: a token stops working, and a principal's units and
// roles change, at once on the process that made the change (its cache is cleared after the
// commit) and within principalStaleness on every other process. Every change that affects a
// principal sends a NOTIFY in its transaction (PostgreSQL delivers it on commit) naming the
// token, the user or everything; each process LISTENs on one connection of its own, and uses
// its cache only while that connection answered a round trip within principalStaleness (a
// round trip that succeeds after a commit has delivered that commit's notification first). When
// the listener is down, every request asks the database, as before. SQLite serves one process,
// so clearing its own cache suffices. Entries also end at the token's expiry and after the TTL.
const (
	principalChannel = "tandem_principals"
	// principalStaleness bounds how long another process may still accept a revoked token.
	principalStaleness = 750 * time.Millisecond
	// principalHeartbeat is how often the listener proves its connection (a few per staleness).
	principalHeartbeat = 200 * time.Millisecond
	// maxCachedPrincipals bounds the cache; beyond it an arbitrary entry makes room.
	maxCachedPrincipals = 100_000
)

// Keys of an invalidation: a token's hash, a user's ID, or everything.
func tokenKey(hash string) string { return "t:" + hash }
func userKey(id string) string    { return "u:" + id }

const allPrincipals = "*"

type cachedPrincipal struct {
	p     domain.Principal
	until time.Time // the token's expiry or the TTL, whichever comes first
}

type principalCache struct {
	ttl time.Duration
	// remote is true when other processes may change principals (PostgreSQL): the cache is then
	// used only while the listener is live.
	remote bool
	// aliveAt is when (monotonic nanoseconds since start) the listener's last successful round
	// trip was sent; 0 while it is not connected.
	aliveAt atomic.Int64
	start   time.Time

	hits, misses atomic.Int64

	mu    sync.Mutex
	gen   uint64 // bumped by every invalidation, so a lookup that raced one is not stored
	items map[string]cachedPrincipal
}

// The listener's liveness is about the network, not about Tandem's time: it reads the
// monotonic clock, not Store.Now (which tests shift or stop). Entries expire by Store.Now.
func (c *principalCache) sinceStart() int64 { return int64(time.Since(c.start)) }

func (c *principalCache) usable() bool {
	if !c.remote {
		return true
	}
	at := c.aliveAt.Load()
	return at != 0 && time.Duration(c.sinceStart()-at) < principalStaleness
}

func (c *principalCache) get(hash string, now time.Time) (domain.Principal, uint64, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.items[hash]
	if ok && !now.Before(e.until) {
		delete(c.items, hash)
		ok = false
	}
	if !ok || !c.usable() {
		c.misses.Add(1)
		return domain.Principal{}, c.gen, false
	}
	c.hits.Add(1)
	p := e.p
	p.Memberships = slices.Clone(p.Memberships)
	return p, c.gen, true
}

// put stores p unless an invalidation happened since the lookup that read generation gen.
func (c *principalCache) put(hash string, gen uint64, p domain.Principal, until time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	if _, ok := c.items[hash]; !ok && len(c.items) >= maxCachedPrincipals {
		for k := range c.items {
			delete(c.items, k)
			break
		}
	}
	c.items[hash] = cachedPrincipal{p: p, until: until}
}

// forget drops what key names: tokenKey, userKey or allPrincipals.
func (c *principalCache) forget(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	switch {
	case key == allPrincipals:
		clear(c.items)
	case strings.HasPrefix(key, "t:"):
		delete(c.items, key[2:])
	case strings.HasPrefix(key, "u:"):
		id := key[2:]
		for h, e := range c.items {
			if e.p.UserID == id {
				delete(c.items, h)
			}
		}
	default: // unknown: be safe
		clear(c.items)
	}
}

// CachePrincipals turns on the principal cache with entries living at most ttl (0 leaves it
// off). On PostgreSQL it listens for other processes' changes until ctx ends, through one
// connection of its own (application_name tandem-principal-listener). Call it before serving.
func (s *Store) CachePrincipals(ctx context.Context, ttl time.Duration, log *slog.Logger) error {
	if ttl <= 0 {
		return nil
	}
	if s.principals != nil {
		return errors.New("store: the principal cache is already on")
	}
	c := &principalCache{ttl: ttl, remote: s.dialect == Postgres, start: time.Now(), items: map[string]cachedPrincipal{}}
	if c.remote {
		cfg, err := pgconn.ParseConfig(s.url)
		if err != nil {
			return fmt.Errorf("store: principal listener: %w", err)
		}
		cfg.RuntimeParams["application_name"] = "tandem-principal-listener"
		cfg.OnNotification = func(_ *pgconn.PgConn, n *pgconn.Notification) { c.forget(n.Payload) }
		go listenPrincipals(ctx, cfg, c, log)
	}
	s.principals = c
	return nil
}

// PrincipalCacheStats reports how many token lookups the cache answered and how many went to
// the database since it was turned on (0, 0 when it is off).
func (s *Store) PrincipalCacheStats() (hits, misses int64) {
	if s.principals == nil {
		return 0, 0
	}
	return s.principals.hits.Load(), s.principals.misses.Load()
}

// listenPrincipals keeps one LISTEN connection up, proving it alive every heartbeat; when it
// fails it clears the cache (changes may have been missed) and connects again.
func listenPrincipals(ctx context.Context, cfg *pgconn.Config, c *principalCache, log *slog.Logger) {
	for ctx.Err() == nil {
		err := listenOnce(ctx, cfg, c)
		c.aliveAt.Store(0)
		c.forget(allPrincipals)
		if ctx.Err() != nil {
			return
		}
		log.Warn("principal cache: listener lost; asking the database for every request until it is back", "error", err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Second):
		}
	}
}

func listenOnce(ctx context.Context, cfg *pgconn.Config, c *principalCache) error {
	cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	conn, err := pgconn.ConnectConfig(cctx, cfg)
	cancel()
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	ping := func(sql string) error {
		sent := c.sinceStart()
		pctx, cancel := context.WithTimeout(ctx, principalStaleness)
		defer cancel()
		if _, err := conn.Exec(pctx, sql).ReadAll(); err != nil {
			return err
		}
		// Notifications that arrived before the answer were applied (OnNotification) already.
		c.aliveAt.Store(max(sent, 1))
		return nil
	}
	if err := ping("LISTEN " + principalChannel); err != nil {
		return err
	}
	c.forget(allPrincipals) // whatever happened while nobody listened
	for {
		wctx, cancel := context.WithTimeout(ctx, principalHeartbeat)
		err := conn.WaitForNotification(wctx)
		cancel()
		switch {
		case ctx.Err() != nil:
			return ctx.Err()
		case err == nil: // applied by OnNotification
			continue
		case !pgconn.Timeout(err):
			return err
		}
		if err := ping("SELECT 1"); err != nil {
			return err
		}
	}
}

func earliest(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// principalsChanged, inside a transaction that changes what key names, tells the other
// processes (PostgreSQL delivers the NOTIFY on commit). After the commit, call forgetPrincipals.
func (s *Store) principalsChanged(tx *gorm.DB, key string) error {
	if s.dialect != Postgres {
		return nil
	}
	return translate(tx.Exec("SELECT pg_notify(?, ?)", principalChannel, key).Error, "principals")
}

// forgetPrincipals clears this process's cache of what key names, after the change committed.
func (s *Store) forgetPrincipals(key string) {
	if s.principals != nil {
		s.principals.forget(key)
	}
}
