package bench_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"slices"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"tandem/activities"
	"tandem/api"
	"tandem/auth"
	"tandem/store"
	"tandem/store/storetest"
)

const (
	seedUnits   = 2000
	seedUsers   = 10000
	seedTasks   = 1000000
	clients     = 32
	warmup      = 2 * time.Second
	measureTime = 10 * time.Second // per side and run, in `rounds` alternating phases
	rounds      = 5
)

// seed fills a fresh database: a city, 20 counties and 1,979 townships; 10,000 inspectors,
// one per township in turn; 1,000,000 tasks spread over the townships, 60% assigned to one of
// the township's inspectors, 30% of those completed.
func seed(b *testing.B, st *store.Store) {
	start := time.Now()
	db := st.DB()
	stmts := []string{
		`INSERT INTO units (id, name, net, kind, parent_id, path, created_at)
		 SELECT 'u00000', 'city', 'region', 'city', NULL, '/u00000/', now()`,
		`INSERT INTO units (id, name, net, kind, parent_id, path, created_at)
		 SELECT 'u' || lpad(g::text, 5, '0'), 'county ' || g, 'region', 'county', 'u00000',
		        '/u00000/u' || lpad(g::text, 5, '0') || '/', now()
		 FROM generate_series(1, 20) g`,
		fmt.Sprintf(`INSERT INTO units (id, name, net, kind, parent_id, path, created_at)
		 SELECT 'u' || lpad(g::text, 5, '0'), 'township ' || g, 'region', 'township',
		        'u' || lpad((1 + g %% 20)::text, 5, '0'),
		        '/u00000/u' || lpad((1 + g %% 20)::text, 5, '0') || '/u' || lpad(g::text, 5, '0') || '/', now()
		 FROM generate_series(21, %d) g`, seedUnits-1),
		fmt.Sprintf(`INSERT INTO users (id, username, password_hash, is_admin, created_at, updated_at)
		 SELECT 'user' || g, 'user' || g, 'x', false, now(), now() FROM generate_series(0, %d) g`, seedUsers-1),
		fmt.Sprintf(`INSERT INTO memberships (user_id, unit_id, role)
		 SELECT 'user' || g, 'u' || lpad((21 + g %% %d)::text, 5, '0'), 'inspector' FROM generate_series(0, %d) g`, seedUnits-21, seedUsers-1),
		// Task g belongs to township (21 + g % 1979); when assigned, to the user of that
		// township numbered (g % 1979) + 1979 * (g % 5), which is one of its inspectors.
		fmt.Sprintf(`INSERT INTO tasks (id, key, kind, subject, title, workflow_id, unit_id, unit_path, role, assignee,
		        status, priority, due_at, due_provisional, created_at, updated_at)
		 SELECT 't' || lpad(g::text, 8, '0'), 'bench/' || g, 'census.verify', '91110108551385082Q', '', 'bench/' || (g / 10),
		        u.id, u.path, 'inspector',
		        CASE WHEN g %% 10 < 6 THEN 'user' || ((g %% 1979) + 1979 * (g %% 5)) END,
		        CASE WHEN g %% 10 < 2 THEN 'completed' WHEN g %% 10 < 6 THEN 'claimed' ELSE 'open' END,
		        50, now() + make_interval(hours => g %% 720), false, now(), now()
		 FROM generate_series(0, %d) g
		 JOIN units u ON u.id = 'u' || lpad((21 + g %% 1979)::text, 5, '0')`, seedTasks-1),
		`ANALYZE`,
	}
	for _, s := range stmts {
		if err := db.Exec(s).Error; err != nil {
			b.Fatalf("seed: %v\n%s", err, s)
		}
	}
	b.Logf("seeded %d units, %d users, %d tasks in %v", seedUnits, seedUsers, seedTasks, time.Since(start).Round(time.Millisecond))
}

// result of one side's load over all its phases.
type result struct {
	requests   int
	throughput float64 // requests per second
	p50, p99   time.Duration
}

// side is one server under load: its own keep-alive connections, its latencies so far.
type side struct {
	hc       *http.Client
	url      func(i int) (string, string)
	lat      []time.Duration
	measured time.Duration
}

func newSide(url func(i int) (string, string)) *side {
	tr := &http.Transport{MaxIdleConnsPerHost: clients, MaxConnsPerHost: clients}
	return &side{hc: &http.Client{Transport: tr, Timeout: 10 * time.Second}, url: url}
}

// load sends GETs from `clients` goroutines for warm+measure and keeps the latencies of the
// requests that started after warm and ended within measure (warm 0: warmed before).
func (sd *side) load(b *testing.B, warm, measure time.Duration, seed uint64) {
	var mu sync.Mutex
	begin := time.Now()
	measureFrom, end := begin.Add(warm), begin.Add(warm+measure)
	var wg sync.WaitGroup
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(c), seed))
			var mine []time.Duration
			for time.Now().Before(end) {
				u, token := sd.url(rng.IntN(seedUsers))
				req, _ := http.NewRequest("GET", u, nil)
				if token != "" {
					req.Header.Set("Authorization", "Bearer "+token)
				}
				t0 := time.Now()
				res, err := sd.hc.Do(req)
				if err != nil {
					b.Error(err)
					return
				}
				_, _ = io.Copy(io.Discard, res.Body)
				res.Body.Close()
				if res.StatusCode != 200 {
					b.Errorf("status %d", res.StatusCode)
					return
				}
				if !t0.Before(measureFrom) && time.Now().Before(end) {
					mine = append(mine, time.Since(t0))
				}
			}
			mu.Lock()
			sd.lat = append(sd.lat, mine...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	sd.measured += measure
}

// prime sends one request for each user (users 0 … seedUsers-1 once, over `clients`
// connections): the full stack's principal cache then holds what it holds in a working day,
// when every user signed in earlier and opens the inbox again within the cache's TTL.
func (sd *side) prime(b *testing.B) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1) - 1); i < seedUsers; i = int(next.Add(1) - 1) {
				u, token := sd.url(i)
				req, _ := http.NewRequest("GET", u, nil)
				req.Header.Set("Authorization", "Bearer "+token)
				res, err := sd.hc.Do(req)
				if err != nil {
					b.Error(err)
					return
				}
				_, _ = io.Copy(io.Discard, res.Body)
				res.Body.Close()
			}
		}()
	}
	wg.Wait()
}

func (sd *side) result(b *testing.B) result {
	lat := slices.Clone(sd.lat)
	slices.Sort(lat)
	if len(lat) == 0 {
		b.Fatal("no request measured")
	}
	return result{requests: len(lat), throughput: float64(len(lat)) / sd.measured.Seconds(),
		p50: lat[len(lat)/2], p99: lat[len(lat)*99/100]}
}

func serve(b *testing.B, h http.Handler) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	srv := &http.Server{Handler: h}
	go srv.Serve(ln)
	b.Cleanup(func() { srv.Close() })
	return "http://" + ln.Addr().String()
}

// bareTask is every column of a task, as the bare handler renders it.
type bareTask struct {
	ID              string          `json:"id"`
	Key             string          `json:"key"`
	Kind            string          `json:"kind"`
	Subject         string          `json:"subject"`
	Title           string          `json:"title"`
	WorkflowID      string          `json:"workflow_id"`
	UnitID          string          `json:"unit_id"`
	UnitPath        string          `json:"unit_path"`
	Role            string          `json:"role"`
	Assignee        *string         `json:"assignee"`
	Owner           *string         `json:"owner"`
	Delegation      string          `json:"delegation"`
	Status          string          `json:"status"`
	Priority        int             `json:"priority"`
	DueAt           time.Time       `json:"due_at"`
	DueProvisional  bool            `json:"due_provisional"`
	RemindAt        *time.Time      `json:"remind_at"`
	RemindedAt      *time.Time      `json:"reminded_at"`
	EscalatedAt     *time.Time      `json:"escalated_at"`
	EscalatesTaskID *string         `json:"escalates_task_id"`
	Result          json.RawMessage `json:"result"`
	CompletedBy     *string         `json:"completed_by"`
	CreatedAt       time.Time       `json:"created_at"`
	UpdatedAt       time.Time       `json:"updated_at"`
	CompletedAt     *time.Time      `json:"completed_at"`
	NotBy           string          `json:"-"`
	Candidates      string          `json:"-"`
	AboutTaskID     *string         `json:"about_task_id,omitempty"`
	SubjectType     string          `json:"subject_type"`
	Context         json.RawMessage `json:"context,omitempty"`
}

// inboxSQL is the query the store runs for GET /api/v1/tasks?assignee=me by an inspector of
// one township (as GORM renders it; keep it equal to store's taskColumns and actionableTasks).
const inboxSQL = `SELECT t.id, t.key, t.kind, t.subject, t.title, t.workflow_id, t.unit_id, t.unit_path, t.role, t.assignee,
	t.owner, t.delegation, t.status, t.priority, t.due_at, t.due_provisional, t.remind_at, t.reminded_at, t.escalated_at,
	t.escalates_task_id, t.result, t.completed_by, t.created_at, t.updated_at, t.completed_at, t.not_by, t.about_task_id,
	t.subject_type, t.context, t.candidates FROM tasks t WHERE t.not_by NOT LIKE $7 ESCAPE '\' AND (t.assignee = $1
	OR t.id = ANY(ARRAY(SELECT c.task_id FROM task_candidates c WHERE c.username = $8)) OR (t.assignee IS NULL AND ((t.unit_id = $2 AND t.role = $3))))
	AND t.status IN ($4,$5) AND t.assignee = $6 ORDER BY t.due_at, t.id LIMIT 51`

// bareHandler runs the inbox SQL for a user named in the query string: no authentication,
// no scope lookup, no middleware, no ORM. It is the floor the full stack is measured against.
func bareHandler(st *store.Store) http.Handler {
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	sqlDB, _ := st.DB().DB()
	r.GET("/tasks", func(c *gin.Context) {
		user := c.Query("user")
		rows, err := sqlDB.QueryContext(c.Request.Context(), inboxSQL, user, c.Query("unit"), "inspector", "open", "claimed", user,
			"%,"+user+",%", user)
		if err != nil {
			c.AbortWithStatus(500)
			return
		}
		defer rows.Close()
		items := []bareTask{}
		for rows.Next() {
			var t bareTask
			var result *string
			var taskContext string
			if err := rows.Scan(&t.ID, &t.Key, &t.Kind, &t.Subject, &t.Title, &t.WorkflowID, &t.UnitID, &t.UnitPath, &t.Role,
				&t.Assignee, &t.Owner, &t.Delegation, &t.Status, &t.Priority, &t.DueAt, &t.DueProvisional, &t.RemindAt,
				&t.RemindedAt, &t.EscalatedAt, &t.EscalatesTaskID, &result, &t.CompletedBy, &t.CreatedAt, &t.UpdatedAt, &t.CompletedAt,
				&t.NotBy, &t.AboutTaskID, &t.SubjectType, &taskContext, &t.Candidates); err != nil {
				c.AbortWithStatus(500)
				return
			}
			if result != nil {
				t.Result = json.RawMessage(*result)
			}
			if taskContext != "" && taskContext != "{}" {
				t.Context = json.RawMessage(taskContext)
			}
			items = append(items, t)
		}
		if len(items) > 50 {
			items = items[:50]
		}
		c.JSON(200, gin.H{"items": items, "next_cursor": ""})
	})
	return r
}

// BenchmarkInbox measures GET /api/v1/tasks?assignee=me through the full stack (HTTP, request
// ID, access log, authentication, scope, store, JSON) under 32 concurrent clients against the
// bare handler above, on the same 1,000,000-task PostgreSQL database in the same run.
func BenchmarkInbox(b *testing.B) {
	if os.Getenv(storetest.PostgresEnv) == "" {
		b.Skip("needs PostgreSQL: run `make bench`")
	}
	st := storetest.Postgres(b)
	seed(b, st)
	ctx := context.Background()
	tokens := make([]string, seedUsers)
	for i := range tokens {
		tok, hash := auth.NewToken()
		if err := st.CreateToken(ctx, "user"+strconv.Itoa(i), hash, time.Now().Add(time.Hour)); err != nil {
			b.Fatal(err)
		}
		tokens[i] = tok
	}
	// As serve and dev do (TANDEM_AUTH_CACHE_TTL's default).
	if err := st.CachePrincipals(b.Context(), time.Minute, slog.New(slog.DiscardHandler)); err != nil {
		b.Fatal(err)
	}
	full := serve(b, (&api.Server{Store: st, Auth: auth.NewService(st, time.Hour), Calendar: &activities.CalendarCache{Store: st, TTL: time.Minute},
		Log: slog.New(slog.NewJSONHandler(io.Discard, nil))}).Handler())
	bare := serve(b, bareHandler(st))

	// Both answer the same tasks for the same user.
	check := func(u, tok string) []string {
		req, _ := http.NewRequest("GET", u, nil)
		if tok != "" {
			req.Header.Set("Authorization", "Bearer "+tok)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		defer res.Body.Close()
		var body struct{ Items []struct{ ID string } }
		_ = json.NewDecoder(res.Body).Decode(&body)
		var ids []string
		for _, it := range body.Items {
			ids = append(ids, it.ID)
		}
		sort.Strings(ids)
		return ids
	}
	unitOf := func(i int) string { return fmt.Sprintf("u%05d", 21+i%(seedUnits-21)) }
	a := check(full+"/api/v1/tasks?assignee=me&limit=50", tokens[42])
	c := check(bare+"/tasks?user=user42&unit="+unitOf(42), "")
	if len(a) == 0 || fmt.Sprint(a) != fmt.Sprint(c) {
		b.Fatalf("full and bare answer differently: %d vs %d tasks", len(a), len(c))
	}
	b.Logf("user42 has %d active tasks", len(a))

	bareSide := newSide(func(i int) (string, string) {
		return bare + "/tasks?user=user" + strconv.Itoa(i) + "&unit=" + unitOf(i), ""
	})
	fullSide := newSide(func(i int) (string, string) { return full + "/api/v1/tasks?assignee=me&limit=50", tokens[i] })
	b.ResetTimer()
	for n := range b.N {
		// The phases alternate (bare, full, bare, full, ...), so drift in the machine's load
		// reaches both sides alike; each side is warmed once per run, not per phase.
		bareSide.lat, bareSide.measured, fullSide.lat, fullSide.measured = nil, 0, nil, 0
		b.StopTimer()
		fullSide.prime(b)
		b.StartTimer()
		hits0, misses0 := st.PrincipalCacheStats()
		for r := range rounds {
			warm := time.Duration(0)
			if r == 0 {
				warm = warmup
			}
			seed := uint64(7 + 1000*n + r)
			bareSide.load(b, warm, measureTime/rounds, seed)
			fullSide.load(b, warm, measureTime/rounds, seed)
		}
		hits, misses := st.PrincipalCacheStats()
		base, got := bareSide.result(b), fullSide.result(b)
		tput := got.throughput / base.throughput
		p99 := float64(got.p99) / float64(base.p99)
		b.Logf("bare handler: %d requests, %.0f req/s, p50 %v, p99 %v", base.requests, base.throughput, base.p50, base.p99)
		b.Logf("full stack:   %d requests, %.0f req/s, p50 %v, p99 %v (principal cache: %d hits, %d misses)",
			got.requests, got.throughput, got.p50, got.p99, hits-hits0, misses-misses0)
		b.Logf("ratio: throughput %.2f× (target ≥ 0.90), p99 %.2f× (target ≤ 1.20); %d alternating phases of %v per side",
			tput, p99, rounds, measureTime/rounds)
		b.ReportMetric(tput, "throughput-ratio")
		b.ReportMetric(p99, "p99-ratio")
		b.ReportMetric(got.throughput, "full-req/s")
		b.ReportMetric(base.throughput, "bare-req/s")
	}
}
