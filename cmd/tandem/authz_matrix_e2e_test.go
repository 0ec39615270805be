package main_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"
)

// TestAuthorizationMatrix sends every operation of api/openapi.yaml as every role (anonymous,
// admin, a user of township A holding each role, the department's liaison) against an object
// of township A and one of township B, through the real binary on each database. It fails when
// an operation has no case (or a case no operation), on any 500, on a status the document does
// not list, on a 2xx for B's object, and on any of B's objects in an answer to anyone but the
// admin. After the matrix it checks that B's objects are as the fixture left them and that no
// audit record of those users touches B.
func TestAuthorizationMatrix(t *testing.T) {
	doc := loadAPIDocument(t)
	ops, cases := doc.operations(), authzCases()
	if !caseCoverage(t, ops, cases) {
		return
	}
	eachDatabase(t, func(t *testing.T, db, dbURL string) {
		p := startDev(t, t.TempDir(), dbURL)
		start := time.Now()
		fx := buildAuthzFixture(t, p.base)
		t.Logf("fixture built in %v", time.Since(start).Round(time.Millisecond))
		start = time.Now()
		st := runAuthzMatrix(t, fx, ordered(ops, cases), cases)
		st.writeLeaks = checkTownshipBUntouched(t, fx)
		t.Logf("authorization matrix on %s: %d operations × %d roles, %d requests (%d out of scope) in %v; "+
			"read leaks %d, out-of-scope 2xx %d, write leaks %d, 5xx %d, undocumented statuses %d",
			db, len(ops), len(fx.actors), st.requests, st.outRequests, time.Since(start).Round(time.Millisecond),
			st.readLeaks, st.outSuccess, st.writeLeaks, st.serverErrors, st.undocumented)
		for _, a := range fx.actors {
			t.Logf("  %-9s statuses %v", a.role, st.byRole[a.role])
		}
	})
}

// caseCoverage fails the test naming every operation without a case and every case without
// an operation.
func caseCoverage(t *testing.T, ops []apiOperation, cases map[string]authzCase) bool {
	t.Helper()
	documented := map[string]bool{}
	var missing, stale []string
	for _, op := range ops {
		documented[op.key()] = true
		if _, ok := cases[op.key()]; !ok {
			missing = append(missing, op.key())
		}
	}
	for k := range cases {
		if !documented[k] {
			stale = append(stale, k)
		}
	}
	sort.Strings(stale)
	if len(missing) > 0 {
		t.Errorf("%d operations of api/openapi.yaml have no authorization case (add one to authzCases):\n  %s", len(missing), strings.Join(missing, "\n  "))
	}
	if len(stale) > 0 {
		t.Errorf("%d authorization cases name no operation of api/openapi.yaml:\n  %s", len(stale), strings.Join(stale, "\n  "))
	}
	return len(missing) == 0 && len(stale) == 0
}

// ordered puts the operations in document order within their case's phase.
func ordered(ops []apiOperation, cases map[string]authzCase) []apiOperation {
	out := append([]apiOperation{}, ops...)
	sort.SliceStable(out, func(i, j int) bool { return cases[out[i].key()].phase < cases[out[j].key()].phase })
	return out
}

type matrixStats struct {
	requests, outRequests                                         int
	readLeaks, outSuccess, writeLeaks, serverErrors, undocumented int
	byRole                                                        map[string]map[int]int // role → status → requests
}

func isText(ctype string) bool {
	for _, s := range []string{"json", "html", "csv", "text", "yaml"} {
		if strings.Contains(ctype, s) {
			return true
		}
	}
	return false
}

func runAuthzMatrix(t *testing.T, fx *authzFixture, ops []apiOperation, cases map[string]authzCase) matrixStats {
	t.Helper()
	st := matrixStats{byRole: map[string]map[int]int{}}
	for _, op := range ops {
		c := cases[op.key()]
		for _, a := range fx.actors {
			scopes := []bool{false}
			// Only users of A have an out of scope: the admin's is everything, and an
			// anonymous request is refused before any object is looked at.
			if c.scoped && a.scoped() {
				scopes = append(scopes, true)
			}
			for _, out := range scopes {
				req := c.build(fx, a, out)
				ans := send(t, fx.base, op, a, req)
				st.requests++
				if st.byRole[a.role] == nil {
					st.byRole[a.role] = map[int]int{}
				}
				st.byRole[a.role][ans.status]++
				where := "in scope"
				if out {
					st.outRequests++
					where = "out of scope"
				}
				what := fmt.Sprintf("%s as %s (%s)", op.key(), a.role, where)
				documented := op.Statuses[ans.status] || (ans.status == 401 && !op.Public)
				if ans.status >= 500 {
					st.serverErrors++
					t.Errorf("%s: %d %s", what, ans.status, clip(ans.body))
					continue
				}
				if a.role == "anonymous" && !op.Public && ans.status != 401 {
					t.Errorf("%s: %d without a token, want 401", what, ans.status)
				}
				switch {
				case out && c.outVisible[a.role]:
				case out && c.outCheck != nil:
					if msg := c.outCheck(ans); msg != "" {
						st.outSuccess++
						t.Errorf("%s: %s", what, msg)
					}
				case out:
					allowed := ans.status == 403 || ans.status == 404
					for _, s := range c.outAlso {
						allowed = allowed || ans.status == s
					}
					if ans.status < 300 && !allowed {
						st.outSuccess++
						t.Errorf("%s: %d for township B's object: %s", what, ans.status, clip(ans.body))
					} else if !allowed {
						t.Errorf("%s: %d, want 403 or 404: %s", what, ans.status, clip(ans.body))
					}
				}
				if !documented {
					st.undocumented++
					t.Errorf("%s: status %d is not in the document (%v): %s", what, ans.status, statusList(op), clip(ans.body))
				}
				if a.scoped() && ans.status < 300 && isText(ans.ctype) && !(out && c.outCheck != nil) {
					if m := fx.leak(ans.body); m != "" {
						st.readLeaks++
						t.Errorf("%s: LEAK: the answer to %s contains township B's %q: %s", what, a.name, m, clip(ans.body))
					}
				}
			}
		}
	}
	return st
}

func statusList(op apiOperation) []int {
	var s []int
	for k := range op.Statuses {
		s = append(s, k)
	}
	sort.Ints(s)
	return s
}

func clip(b []byte) string {
	if len(b) > 300 {
		return string(b[:300]) + "…"
	}
	return string(b)
}

// checkTownshipBUntouched checks, as admin, that nothing of township B changed during the
// matrix (the admin only ever acts on A's objects), and that no audit record of a user of A
// mentions B. It returns how many out-of-scope writes it found.
func checkTownshipBUntouched(t *testing.T, fx *authzFixture) int {
	t.Helper()
	leaks := 0
	fail := func(format string, args ...any) { leaks++; t.Errorf("WRITE LEAK: "+format, args...) }
	admin := loginAs(t, fx.base, "admin", adminPassword) // the matrix signed the fixture's session out
	task := admin.must(200, "GET", "/tasks/"+fx.taskB, nil)
	if task["status"] != "open" || task["assignee"] != nil || len(asSlice(task["comments"])) != 0 || len(asSlice(task["attachments"])) != 1 {
		fail("township B's task changed: %v", task)
	}
	if org := admin.must(200, "GET", "/organizations/"+fx.orgB, nil); len(asSlice(org["tags"])) != 0 || len(asSlice(org["resolutions"])) != 0 {
		fail("township B's organization changed: tags %v, resolutions %v", org["tags"], org["resolutions"])
	}
	if al := admin.must(200, "GET", "/units/"+fx.townB+"/aliases", nil); len(asSlice(al["aliases"])) != 0 {
		fail("township B got aliases %v", al["aliases"])
	}
	if n := len(asSlice(admin.must(200, "GET", "/units?limit=200&parent_id="+fx.townB, nil)["items"])); n != len(fx.parkB) {
		fail("township B has %d units under it, want the fixture's %d", n, len(fx.parkB))
	}
	for i, id := range fx.parkB {
		if u := admin.must(200, "GET", "/units/"+id, nil); u["merged_into"] != nil && u["merged_into"] != "" || u["name"] != fmt.Sprintf("南湖园区%d", i) {
			fail("township B's park changed: %v", u)
		}
	}
	for _, name := range []string{"spare-b", "inspector-b"} {
		if u := admin.must(200, "GET", "/users/"+name, nil); u["disabled"] == true {
			fail("%s was disabled", name)
		}
	}
	loginAs(t, fx.base, "spare-b", matrixPassword+"spare-b") // its password was not reset
	if f := admin.must(200, "GET", "/formations/"+fx.formationB, nil); f["status"] != "running" {
		fail("township B's formation is %v", f["status"])
	}
	if r := admin.must(200, "GET", "/census-rounds/"+fx.roundB, nil); r["status"] == "cancelled" {
		fail("township B's census round was cancelled")
	}
	if n := len(asSlice(admin.must(200, "GET", "/formations?organization="+fx.orgB3, nil)["items"])); n != 0 {
		fail("%d formations started for township B's organization", n)
	}
	if n := len(asSlice(admin.must(200, "GET", "/tasks?scope=visible&status=all&limit=200&kind=drill.acknowledge&unit="+fx.townB, nil)["items"])); n != 1 {
		fail("township B has %d drill tasks, want the fixture's 1", n)
	}
	for _, a := range fx.actors {
		if !a.scoped() {
			continue
		}
		for _, ev := range asSlice(admin.must(200, "GET", "/audit?limit=200&actor="+url.QueryEscape(a.name), nil)["items"]) {
			b, _ := json.Marshal(ev)
			if m := fx.leak(b); m != "" {
				fail("%s changed township B's %q: %s", a.name, m, b)
			}
		}
	}
	return leaks
}

// TestEdgeValueMatrix sends, as admin and in scope, a value with a NUL and a value of 100,000
// characters into every string path and query parameter and every string property of every
// JSON (and multipart) request body of api/openapi.yaml. Each must be refused with a 4xx: never
// a 5xx, never a 2xx that stores it. A read (GET) that answers 2xx stored nothing; it passes
// unless it echoes the value, and is counted as "ignored".
func TestEdgeValueMatrix(t *testing.T) {
	doc := loadAPIDocument(t)
	ops, cases := doc.operations(), authzCases()
	if !caseCoverage(t, ops, cases) {
		return
	}
	long := strings.Repeat("x", 100_000)
	bad := []struct{ name, value string }{{"NUL", "a\u0000b"}, {"100,000 characters", long}}
	eachDatabase(t, func(t *testing.T, db, dbURL string) {
		p := startDev(t, t.TempDir(), dbURL)
		fx := buildAuthzFixture(t, p.base)
		admin := fx.actors[len(fx.actors)-1]
		start := time.Now()
		var requests, ignored int
		failed := map[string]bool{}
		for _, op := range ordered(ops, cases) {
			c := cases[op.key()]
			if c.phase == 2 {
				continue // logout: no strings, and it would end the admin's session
			}
			type target struct {
				where string
				apply func(r *apiRequest, v string)
			}
			var targets []target
			for _, prm := range op.Params {
				if !doc.isString(prm.Schema) {
					continue
				}
				prm := prm
				targets = append(targets, target{prm.In + " " + prm.Name, func(r *apiRequest, v string) {
					if prm.In == "path" {
						r.params[prm.Name] = v
					} else {
						r.query.Set(prm.Name, v)
					}
				}})
			}
			for _, f := range doc.stringFields(op.JSON) {
				f := f
				targets = append(targets, target{"body " + strings.Join(f, "."), func(r *apiRequest, v string) { r.body = setAt(r.body, f, v) }})
			}
			if form, ok := doc.resolve(op.Form).(map[string]any); ok {
				props, _ := form["properties"].(map[string]any)
				for name, schema := range props {
					if !doc.isString(schema) {
						continue
					}
					name := name
					targets = append(targets, target{"form " + name, func(r *apiRequest, v string) { r.form[name] = v }})
				}
			}
			sort.Slice(targets, func(i, j int) bool { return targets[i].where < targets[j].where })
			for _, tg := range targets {
				for _, b := range bad {
					req := cloneRequest(c.build(fx, admin, false))
					tg.apply(&req, b.value)
					ans := send(t, fx.base, op, admin, req)
					requests++
					what := fmt.Sprintf("%s %s = %s", op.key(), tg.where, b.name)
					switch {
					case ans.status == 200 && c.outCheck != nil && c.outCheck(ans) == "":
						continue // a bulk answer refusing each item on its own
					case ans.status >= 500:
						t.Errorf("%s: %d %s", what, ans.status, clip(ans.body))
					case ans.status < 300 && op.Method != "GET":
						t.Errorf("%s: %d, accepted: %s", what, ans.status, clip(ans.body))
					case ans.status < 300 && (bytes.Contains(ans.body, []byte(long[:1000])) || bytes.Contains(ans.body, []byte(`\u0000`)) || bytes.IndexByte(ans.body, 0) >= 0):
						t.Errorf("%s: %d, echoed", what, ans.status)
					case ans.status < 300:
						ignored++
						continue
					case ans.status >= 400:
						continue
					default:
						t.Errorf("%s: %d", what, ans.status)
					}
					failed[op.key()] = true
				}
			}
		}
		var names []string
		for k := range failed {
			names = append(names, k)
		}
		sort.Strings(names)
		t.Logf("edge values on %s: %d requests in %v, %d reads ignored the value (2xx, nothing stored), %d operations failed: %s",
			db, requests, time.Since(start).Round(time.Millisecond), ignored, len(names), strings.Join(names, ", "))
	})
}

func cloneRequest(r apiRequest) apiRequest {
	out := r
	out.params = map[string]string{}
	for k, v := range r.params {
		out.params[k] = v
	}
	out.query = url.Values{}
	for k, v := range r.query {
		out.query[k] = append([]string{}, v...)
	}
	if r.form != nil {
		out.form = map[string]string{}
		for k, v := range r.form {
			out.form[k] = v
		}
	}
	out.body = copyJSON(r.body)
	return out
}
