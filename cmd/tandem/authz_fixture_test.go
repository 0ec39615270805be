package main_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// actor is who sends a matrix request: anonymous (no token), the admin, a user of township A
// holding one role, or the department's liaison (for whom A's objects are out of scope too;
// the matrix holds it to the same rules, B's objects never in an answer).
type actor struct {
	name  string // username; "" for anonymous
	role  string // anonymous, admin, officer, inspector, secretary, liaison
	token string
}

func (a *actor) scoped() bool { return a.role != "admin" && a.role != "anonymous" }

// apiRequest is a request of the matrix before its path template is filled in.
type apiRequest struct {
	params map[string]string // path parameters
	query  url.Values
	body   any               // JSON body, or nil
	form   map[string]string // multipart fields (with file), or nil
	file   []byte
	fname  string
}

type apiAnswer struct {
	status int
	ctype  string
	body   []byte
}

var matrixClient = &http.Client{Timeout: 90 * time.Second}

// send fills the path template of op with req and sends it to base with the actor's token.
func send(t *testing.T, base string, op apiOperation, a *actor, req apiRequest) apiAnswer {
	t.Helper()
	path := op.Path
	for name, value := range req.params {
		path = strings.ReplaceAll(path, "{"+name+"}", url.PathEscape(value))
	}
	if strings.Contains(path, "{") {
		t.Fatalf("%s: path parameters left in %s", op.key(), path)
	}
	if len(req.query) > 0 {
		path += "?" + req.query.Encode()
	}
	var body io.Reader
	ctype := ""
	switch {
	case req.form != nil:
		var buf bytes.Buffer
		w := multipart.NewWriter(&buf)
		keys := make([]string, 0, len(req.form))
		for k := range req.form {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			_ = w.WriteField(k, req.form[k])
		}
		if req.file != nil {
			fw, _ := w.CreateFormFile("file", req.fname)
			_, _ = fw.Write(req.file)
		}
		w.Close()
		body, ctype = &buf, w.FormDataContentType()
	case req.body != nil:
		b, err := json.Marshal(req.body)
		if err != nil {
			t.Fatal(err)
		}
		body, ctype = bytes.NewReader(b), "application/json"
	}
	hr, err := http.NewRequest(op.Method, base+path, body)
	if err != nil {
		t.Fatalf("%s: %v", op.key(), err)
	}
	if ctype != "" {
		hr.Header.Set("Content-Type", ctype)
	}
	if a.token != "" {
		hr.Header.Set("Authorization", "Bearer "+a.token)
	}
	res, err := matrixClient.Do(hr)
	if err != nil {
		t.Fatalf("%s %s: %v", op.Method, path, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return apiAnswer{status: res.StatusCode, ctype: res.Header.Get("Content-Type"), body: b}
}

// authzFixture is the world the matrix runs in, built over HTTP as admin: a county with
// townships A and B, a second empty county, users of every role in A and in B, organizations,
// tasks, formations, census rounds, registrations, an import and a period.
type authzFixture struct {
	base   string
	admin  *session
	actors []*actor // anonymous, the A users, admin last

	county, county2, townA, townB, industry, dept string
	parkA, parkB                                  [3]string // throwaway parks: renamed, merged
	orgA, orgB, orgA2, orgB2, orgA3, orgB3        string    // orgX2 have a formation; orgX3 are free for one
	taskA, taskB, attachA, attachB                string
	drillA, drillB                                string
	formationA, formationB                        string
	roundA, roundB                                string
	regA, regB, tokenA, tokenB                    string
	importID, periodID                            string
	notes                                         map[string]string // a notification of each user, by username
	scheme                                        any               // the assessment scheme, to put back

	serial  atomic.Int64
	markers []string // what identifies township B's objects: none may reach an A user
}

// next returns a number unique within the run, for names that must not repeat.
func (fx *authzFixture) next() int64 { return fx.serial.Add(1) }

const matrixPassword = "matrix-password-"

func buildAuthzFixture(t *testing.T, base string) *authzFixture {
	t.Helper()
	started := time.Now()
	admin := loginAs(t, base, "admin", adminPassword)
	fx := &authzFixture{base: base, admin: admin, notes: map[string]string{}}
	fx.county = admin.unit("青山县", "region", "county", nil)
	fx.county2 = admin.unit("白云县", "region", "county", nil)
	fx.townA = admin.unit("东风街道", "region", "township", fx.county)
	fx.townB = admin.unit("南湖镇", "region", "township", fx.county)
	for i := range fx.parkA {
		fx.parkA[i] = admin.unit(fmt.Sprintf("东风园区%d", i), "region", "park", fx.townA)
		fx.parkB[i] = admin.unit(fmt.Sprintf("南湖园区%d", i), "region", "park", fx.townB)
	}
	fx.industry = admin.unit("非公经济组织行业党委", "industry", "committee", nil)
	fx.dept = admin.unit("县市场监管局", "department", "department", nil)

	user := func(name, unit, role string) {
		admin.must(201, "POST", "/users", map[string]any{"username": name, "password": matrixPassword + name,
			"memberships": []map[string]string{{"unit_id": unit, "role": role}}})
	}
	roles := []string{"officer", "inspector", "secretary", "liaison"}
	for _, role := range roles {
		user(role+"-a", fx.townA, role)
		user(role+"-b", fx.townB, role)
	}
	user("spare-a", fx.townA, "inspector") // disabled, reset and enabled by the matrix
	user("spare-b", fx.townB, "inspector")
	user("login-probe", fx.townA, "inspector") // signs in through the matrix's login case
	user("liaison-dept", fx.dept, "liaison")

	fx.orgA, fx.orgA2, fx.orgA3 = usccFor(900001), usccFor(900002), usccFor(900003)
	fx.orgB, fx.orgB2, fx.orgB3 = usccFor(900011), usccFor(900012), usccFor(900013)
	roster := "统一社会信用代码,企业名称,所属乡镇(街道)\n" +
		fx.orgA + ",东风甲有限公司,东风街道\n" + fx.orgA2 + ",东风乙有限公司,东风街道\n" + fx.orgA3 + ",东风丙有限公司,东风街道\n" +
		fx.orgB + ",南湖甲有限公司,南湖镇\n" + fx.orgB2 + ",南湖乙有限公司,南湖镇\n" + fx.orgB3 + ",南湖丙有限公司,南湖镇\n"
	file := filepath.Join(t.TempDir(), "market.csv")
	if err := os.WriteFile(file, []byte(roster), 0o644); err != nil {
		t.Fatal(err)
	}
	fx.importID = admin.upload("market", file)["id"].(string)
	t.Logf("fixture: units, users and roster after %v", time.Since(started).Round(time.Millisecond))

	fx.drillA = admin.must(202, "POST", "/drills", map[string]any{"unit_id": fx.townA, "role": "secretary"})["id"].(string)
	fx.drillB = admin.must(202, "POST", "/drills", map[string]any{"unit_id": fx.townB, "role": "secretary"})["id"].(string)
	fx.formationA = admin.must(202, "POST", "/formations", map[string]any{"organization": fx.orgA2, "kind": "branch"})["id"].(string)
	fx.formationB = admin.must(202, "POST", "/formations", map[string]any{"organization": fx.orgB2, "kind": "branch"})["id"].(string)
	fx.roundA = admin.must(202, "POST", "/census-rounds", map[string]any{"unit_id": fx.townA})["id"].(string)
	fx.roundB = admin.must(202, "POST", "/census-rounds", map[string]any{"unit_id": fx.townB})["id"].(string)
	reg := func(uscc, name, township string) (string, string) {
		out := admin.must(201, "POST", "/registrations", map[string]any{"uscc": uscc, "name": name, "township": township, "event": "new"})
		u := out["survey_url"].(string)
		return out["id"].(string), u[strings.LastIndex(u, "/")+1:]
	}
	fx.regA, fx.tokenA = reg(usccFor(900004), "东风新登记有限公司", "东风街道")
	fx.regB, fx.tokenB = reg(usccFor(900014), "南湖新登记有限公司", "南湖镇")
	fx.periodID = admin.must(202, "POST", "/cycles/monthly/2026-10/run", nil)["id"].(string)
	fx.scheme = admin.must(200, "GET", "/assessment-scheme", nil)["scheme"]
	t.Logf("fixture: processes started after %v", time.Since(started).Round(time.Millisecond))

	// The drills' tasks, each with an attachment.
	drillTask := func(unit string) string {
		var id string
		waitFor(t, func() bool {
			items := admin.must(200, "GET", "/tasks?scope=visible&kind=drill.acknowledge&unit="+unit, nil)["items"].([]any)
			if len(items) == 1 {
				id = items[0].(map[string]any)["id"].(string)
			}
			return id != ""
		})
		return id
	}
	fx.taskA, fx.taskB = drillTask(fx.townA), drillTask(fx.townB)
	attach := func(task string) string {
		op := apiOperation{Method: "POST", Path: "/api/v1/tasks/{id}/attachments"}
		res := send(t, base, op, &actor{token: admin.token}, apiRequest{params: map[string]string{"id": task},
			form: map[string]string{}, file: []byte("现场照片说明\n"), fname: "evidence.txt"})
		var out map[string]any
		if res.status != 201 || json.Unmarshal(res.body, &out) != nil {
			t.Fatalf("attachment: %d %s", res.status, res.body)
		}
		return out["id"].(string)
	}
	fx.attachA, fx.attachB = attach(fx.taskA), attach(fx.taskB)
	t.Logf("fixture: tasks after %v", time.Since(started).Round(time.Millisecond))

	// Sessions: anonymous, one user of A per role, the admin last (so that an admin's write in
	// scope never pre-empts what a user's request would find).
	fx.actors = append(fx.actors, &actor{role: "anonymous"})
	for _, role := range roles {
		s := loginAs(t, base, role+"-a", matrixPassword+role+"-a")
		fx.actors = append(fx.actors, &actor{name: role + "-a", role: role, token: s.token})
	}
	// The county market department's liaison: on the department net, above neither township.
	dept := loginAs(t, base, "liaison-dept", matrixPassword+"liaison-dept")
	fx.actors = append(fx.actors, &actor{name: "liaison-dept", role: "liaison-dept", token: dept.token})
	fx.actors = append(fx.actors, &actor{name: "admin", role: "admin", token: admin.token})

	// A notification of each user who has one (the drills and rounds notify their units).
	// Only the secretaries are sure to get one soon (their drill task).
	deadline := time.Now().Add(10 * time.Second)
	for _, name := range []string{"inspector-a", "secretary-a", "inspector-b", "secretary-b", "officer-a", "liaison-a"} {
		s := loginAs(t, base, name, matrixPassword+name)
		sure := strings.HasPrefix(name, "secretary")
		for first := true; fx.notes[name] == "" && (first || sure && time.Now().Before(deadline)); first = false {
			if items := s.must(200, "GET", "/notifications", nil)["items"].([]any); len(items) > 0 {
				fx.notes[name] = items[0].(map[string]any)["id"].(string)
			} else {
				time.Sleep(200 * time.Millisecond)
			}
		}
	}

	t.Logf("fixture: notifications of %d users after %v", len(fx.notes), time.Since(started).Round(time.Millisecond))

	// What marks township B: no 2xx answer to a user of A may contain any of it.
	fx.markers = []string{fx.townB, "南湖", fx.orgB, fx.orgB2, fx.orgB3, fx.taskB, fx.attachB, fx.drillB,
		fx.formationB, fx.roundB, fx.regB, fx.tokenB, "officer-b", "inspector-b", "secretary-b", "liaison-b", "spare-b"}
	fx.markers = append(fx.markers, fx.parkB[:]...)
	for _, it := range admin.must(200, "GET", "/tasks?scope=visible&status=all&limit=200&unit="+fx.townB, nil)["items"].([]any) {
		fx.markers = append(fx.markers, it.(map[string]any)["id"].(string))
	}
	for _, name := range []string{"inspector-b", "secretary-b"} {
		if id := fx.notes[name]; id != "" {
			fx.markers = append(fx.markers, id)
		}
	}
	return fx
}

// leak returns the first marker of township B found in an answer, or "".
func (fx *authzFixture) leak(body []byte) string {
	for _, m := range fx.markers {
		if m != "" && bytes.Contains(body, []byte(m)) {
			return m
		}
	}
	return ""
}

// missingID is an ID no object has: cases that use it only prove "no 500 and no 2xx for a
// missing object".
func missingID(kind string) string {
	return fmt.Sprintf("00000000-0000-4000-8000-%012x", crc32.ChecksumIEEE([]byte(kind)))
}
