package api_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"tandem/activities"
	"tandem/api"
	"tandem/auth"
	"tandem/domain"
	"tandem/store"
	"tandem/store/storetest"
)

var systemAdmin = domain.Principal{Username: domain.SystemActor, Admin: true}

// importMarket stages and merges one market-supervision row for uscc with name.
func importMarket(t *testing.T, st *store.Store, uscc, name, township string) {
	t.Helper()
	ctx := context.Background()
	imp, err := st.CreateImport(ctx, systemAdmin, "market", "market.csv", strings.NewReader("x"), 1<<20, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := st.StartImport(ctx, imp.ID); err != nil {
		t.Fatal(err)
	}
	stager := st.NewStager(ctx, imp)
	defer stager.Close()
	if err := stager.Row(store.StagedRow{Row: 2, USCC: uscc, Name: name, Township: township}); err != nil {
		t.Fatal(err)
	}
	if err := stager.Flush(); err != nil {
		t.Fatal(err)
	}
	if _, err := st.MergeImport(ctx, imp.ID, store.ParseCounts{Rows: 1, Accepted: 1}); err != nil {
		t.Fatal(err)
	}
}

func TestEdgeDefects(t *testing.T) {
	const uscc = "91110108551385082Q"
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		srv := serveStore(t, st)
		admin := login(t, srv.URL, "admin", "admin-password")
		_, _, county := admin.do("POST", "/api/v1/units", `{"name":"青山县","net":"region","kind":"county"}`)
		_, _, town := admin.do("POST", "/api/v1/units", `{"name":"东风街道","net":"region","kind":"township","parent_id":"`+county["id"].(string)+`"}`)
		_, _, dept := admin.do("POST", "/api/v1/units", `{"name":"市场监管局","net":"department","kind":"department"}`)
		if s, _, b := admin.do("POST", "/api/v1/users", `{"username":"liaison-m","password":"password-123","memberships":[{"unit_id":"`+dept["id"].(string)+`","role":"liaison"}]}`); s != 201 {
			t.Fatalf("create liaison: %d %v", s, b)
		}
		if s, _, b := admin.do("POST", "/api/v1/users", `{"username":"liaison-n","password":"password-123","memberships":[{"unit_id":"`+dept["id"].(string)+`","role":"liaison"}]}`); s != 201 {
			t.Fatalf("create liaison: %d %v", s, b)
		}
		// The market says 甲; the registration says 甲有限公司: name is disputed, employees is not.
		importMarket(t, st, uscc, "甲", town["name"].(string))
		reg, err := st.ReportRegistration(ctx, "liaison-m", store.RegistrationReport{USCC: uscc, Name: "甲有限公司", Township: town["name"].(string), Event: "new"},
			st.Now().Add(72*time.Hour))
		if err != nil {
			t.Fatal(err)
		}

		t.Run("BearerSchemeIsCaseInsensitive", func(t *testing.T) {
			for _, scheme := range []string{"bearer", "BEARER", "Bearer"} {
				s, _, b := admin.do("GET", "/api/v1/me", "", "Authorization", scheme+" "+admin.token)
				if s != 200 {
					t.Fatalf("%s: %d %v", scheme, s, b)
				}
			}
			s, h, b := admin.do("GET", "/api/v1/me", "", "Authorization", "Basic "+admin.token)
			wantProblem(t, s, h, b, 401)
		})
		t.Run("FullWidthUSCCInPath", func(t *testing.T) {
			full := "９１１１０１０８５５１３８５０８２ｑ"
			s, _, b := admin.do("GET", "/api/v1/organizations/"+full, "")
			if s != 200 || b["uscc"] != uscc {
				t.Fatalf("full-width code: %d %v", s, b)
			}
			if s, _, b := admin.do("GET", "/api/v1/organizations/"+strings.ToLower(uscc), ""); s != 200 {
				t.Fatalf("lower-case code: %d %v", s, b)
			}
		})
		t.Run("LiaisonReadsWhatTheyReported", func(t *testing.T) {
			m := login(t, srv.URL, "liaison-m", "password-123")
			s, _, b := m.do("GET", "/api/v1/registrations/"+reg.ID, "")
			if s != 200 || b["uscc"] != uscc {
				t.Fatalf("the reporting liaison reads the registration: %d %v", s, b)
			}
			req, _ := http.NewRequest("GET", srv.URL+"/api/v1/registrations/"+reg.ID+"/letter", nil)
			req.Header.Set("Authorization", "Bearer "+m.token)
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			letter, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != 200 || !strings.Contains(string(letter), "甲") {
				t.Fatalf("the reporting liaison reads the letter: %d %s", res.StatusCode, letter)
			}
			n := login(t, srv.URL, "liaison-n", "password-123")
			if s, _, _ := n.do("GET", "/api/v1/registrations/"+reg.ID, ""); s != 404 {
				t.Fatalf("another liaison reads the registration: %d", s)
			}
		})
		t.Run("ResolutionsAreValidated", func(t *testing.T) {
			path := "/api/v1/organizations/" + uscc + "/resolutions"
			s, h, b := admin.do("POST", path, `{"field":"name","value":"  ","reason":"核实"}`)
			wantField(t, s, h, b, 422, "value")
			s, h, b = admin.do("POST", path, `{"field":"employees","value":"-5","reason":"核实"}`)
			wantField(t, s, h, b, 422, "value")
			s, h, b = admin.do("POST", path, `{"field":"employees","value":"12","reason":"核实"}`)
			wantField(t, s, h, b, 422, "field") // the sources do not dispute employees
			s, h, b = admin.do("POST", path, `{"field":"party_org","value":"是","reason":"核实"}`)
			wantField(t, s, h, b, 422, "field")
			s, _, b = admin.do("POST", path, `{"field":"name","value":"甲有限公司","reason":"核实营业执照"}`)
			if s != 200 || b["name"] != "甲有限公司" {
				t.Fatalf("resolving the disputed name: %d %v", s, b)
			}
			// The resolution stands, so the officer may change it although nothing is disputed now.
			if s, _, b := admin.do("POST", path, `{"field":"name","value":"甲公司","reason":"更正"}`); s != 200 || b["name"] != "甲公司" {
				t.Fatalf("changing a resolution: %d %v", s, b)
			}
		})
	})
}

// A letter's link follows the configured base URL, never the request's Host header.
func TestSurveyLinkIgnoresHost(t *testing.T) {
	st := storetest.SQLite(t)
	hash, _ := auth.HashPassword("admin-password")
	if _, err := st.EnsureAdmin(context.Background(), "admin", hash); err != nil {
		t.Fatal(err)
	}
	s := &api.Server{Store: st, Auth: auth.NewService(st, time.Hour), Calendar: &activities.CalendarCache{Store: st, TTL: time.Minute},
		Log: slog.New(slog.DiscardHandler), PublicURL: "https://tandem.example.gov.cn"}
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	reg, err := st.ReportRegistration(context.Background(), "admin", store.RegistrationReport{USCC: "91110108551385082Q", Name: "甲", Event: "new"},
		st.Now().Add(72*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	admin := login(t, srv.URL, "admin", "admin-password")
	req, _ := http.NewRequest("GET", srv.URL+"/api/v1/registrations/"+reg.ID+"/letter", nil)
	req.Host = "evil.example"
	req.Header.Set("Authorization", "Bearer "+admin.token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	letter, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || strings.Contains(string(letter), "evil.example") ||
		!strings.Contains(string(letter), "https://tandem.example.gov.cn/survey/"+reg.Token) {
		t.Fatalf("letter %d %s", res.StatusCode, letter)
	}
}
