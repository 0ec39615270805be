package api

import (
	"bytes"
	"encoding/json"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/gin-gonic/gin"
	"gopkg.in/yaml.v3"

	"tandem/domain"
	"tandem/store"
)

// requestBodies lists every JSON request body the handlers bind, by route, with a valid
// example. TestRequestBodiesCoverTheDocument keeps it in step with the OpenAPI document;
// FuzzRequestBodies feeds each type fuzzed bytes.
var requestBodies = []struct {
	route   string
	new     func() any
	example string
}{
	{"POST /api/v1/auth/login", func() any { return new(loginRequest) }, `{"username":"admin","password":"admin-password"}`},
	{"POST /api/v1/me/password", func() any { return new(changePasswordRequest) }, `{"current_password":"a","new_password":"b"}`},
	{"POST /api/v1/me/views", func() any { return new(viewRequest) }, `{"name":"本周核查","query":{"kind":"census.verify","sort":"-priority","overdue_first":false}}`},
	{"PUT /api/v1/me/views/{id}", func() any { return new(viewRequest) }, `{"name":"全部","query":{"status":"all","overdue":true}}`},
	{"POST /api/v1/units", func() any { return new(createUnitRequest) }, `{"name":"青山县","net":"region","kind":"county","parent_id":null}`},
	{"PATCH /api/v1/units/{id}", func() any { return new(changeUnitRequest) }, `{"name":"东风街道","parent_id":"u1"}`},
	{"POST /api/v1/units/{id}/merge", func() any { return new(mergeUnitRequest) }, `{"into":"u2"}`},
	{"POST /api/v1/users", func() any { return new(createUserRequest) }, `{"username":"off","password":"password-123","memberships":[{"unit_id":"u1","role":"officer"}]}`},
	{"POST /api/v1/users/{username}/password", func() any { return new(resetPasswordRequest) }, `{"password":"password-123"}`},
	{"POST /api/v1/tasks/bulk/claim", func() any { return new(bulkRequest) }, `{"task_ids":["t1","t2"]}`},
	{"POST /api/v1/tasks/bulk/assign", func() any { return new(bulkRequest) }, `{"task_ids":["t1"],"assignee":"off"}`},
	{"POST /api/v1/tasks/{id}/assign", func() any { return new(assigneeRequest) }, `{"assignee":"off"}`},
	{"POST /api/v1/tasks/{id}/delegate", func() any { return new(assigneeRequest) }, `{"assignee":"off"}`},
	{"POST /api/v1/tasks/{id}/complete", func() any { return new(completeRequest) }, `{"result":{"approved":true,"comment":"同意\n盖章"}}`},
	{"POST /api/v1/tasks/{id}/comments", func() any { return new(commentRequest) }, `{"body":"已电话联系\n下周走访"}`},
	{"POST /api/v1/tasks/{id}/deadline-extensions", func() any { return new(extensionRequest) }, `{"working_days":3,"reason":"节假日"}`},
	{"POST /api/v1/tasks/{id}/deadline-extensions/{extension}/decision", func() any { return new(extensionDecisionRequest) }, `{"decision":"refuse","reason":"材料已齐\n按期办理"}`},
	{"POST /api/v1/drills", func() any { return new(drillRequest) }, `{"unit_id":"u1","role":"officer","due_in_working_days":2,"note":"演练"}`},
	{"PUT /api/v1/calendar/overrides/{date}", func() any { return new(overrideRequest) }, `{"workday":false,"name":"调休"}`},
	{"POST /api/v1/units/{id}/aliases", func() any { return new(aliasRequest) }, `{"alias":"青山"}`},
	{"PUT /api/v1/industry-mappings/{text}", func() any { return new(mappingRequest) }, `{"unit_id":"u1"}`},
	{"PUT /api/v1/sources/{source}", func() any { return new(sourceRequest) }, `{"unit_id":"u1"}`},
	{"POST /api/v1/organizations/{uscc}/resolutions", func() any { return new(resolveRequest) }, `{"field":"name","value":"甲","reason":"核实"}`},
	{"PUT /api/v1/organizations/{uscc}/tags", func() any { return new(tagsRequest) }, `{"tags":["large"]}`},
	{"PUT /api/v1/tags/{code}", func() any { return new(tagDefinitionRequest) }, `{"label":"规上企业"}`},
	{"POST /api/v1/registrations", func() any { return new(registrationRequest) }, `{"uscc":"91110108551385082Q","name":"甲","event":"new"}`},
	{"POST /survey/{token}", func() any { return new(store.SurveyAnswer) }, `{"formal_members":2,"probationary_members":1,"party_org":"none"}`},
	{"POST /api/v1/census-rounds", func() any { return new(roundRequest) }, `{"unit_id":"u1","select":"tag","tag":"large"}`},
	{"PUT /api/v1/assessment-scheme", func() any { return new(domain.Scheme) }, schemeJSON()},
	{"POST /api/v1/assessments/{id}/reopen", func() any { return new(reasonRequest) }, `{"reason":"复核"}`},
	{"POST /api/v1/assessments/{id}/adjustments", func() any { return new(adjustmentRequest) }, `{"code":"a","value":90,"reason":"复核"}`},
	{"POST /api/v1/formations", func() any { return new(formationRequest) }, `{"organization":"91110108551385082Q","kind":"branch"}`},
	{"POST /api/v1/party-orgs/{id}/dissolution", func() any { return new(dissolutionRequest) }, `{"reason":"企业注销","decided":true}`},
	{"POST /api/v1/party-orgs/{id}/adjustment", func() any { return new(adjustmentRequestBody) }, `{"kind":"joint","add":["9144030071526726XG"],"reason":"联建"}`},
	{"POST /api/v1/party-orgs/{id}/reelection-date", func() any { return new(rescheduleRequest) }, `{"due_on":"2027-06-30","reason":"换届提前"}`},
	{"POST /api/v1/inspection-rounds", func() any { return new(inspectionRequest) }, inspectionExample},
	{"PUT /api/v1/inspection-rounds/{id}", func() any { return new(inspectionRequest) }, inspectionExample},
	{"PUT /api/v1/inspection-rounds/{id}/team", func() any { return new(teamRequest) },
		`{"members":[{"username":"leader-a","post":"leader","targets":["u1"]}],"declarations":[{"username":"leader-a","target":"u2","reason":"三年内在该单位任职"}]}`},
	{"POST /api/v1/inspection-rounds/{id}/objections", func() any { return new(objectionRequest) }, `{"target":"u1","username":"leader-a","reason":"曾在本单位任职"}`},
	{"POST /api/v1/demonstration-points", func() any { return new(nominationRequest) },
		`{"party_org_id":"po1","reasons":"阵地规范","self_assessment":[{"item":"有场所","met":true,"note":"活动室 60 平方米"}]}`},
	{"POST /api/v1/demonstration-points/{id}/objections", func() any { return new(demonstrationObjectionRequest) }, `{"reason":"该支部未按期换届"}`},
}

const inspectionExample = `{"title":"双同步专项督查","targets":["u1"],"methods":["听取汇报"],"field_from":"2027-03-01","field_to":"2027-03-05","plan":"督查方案\n第一条"}`

func schemeJSON() string {
	b, _ := json.Marshal(domain.DefaultScheme)
	return string(b)
}

// bind runs bindJSON (for the scheme: ParseScheme and checkBody, as putScheme does) on body.
func bind(route string, v any, body []byte) (accepted bool, status int) {
	gin.SetMode(gin.ReleaseMode)
	w := httptest.NewRecorder()
	c, _ := gin.CreateTestContext(w)
	c.Request = httptest.NewRequest("POST", "/", bytes.NewReader(body))
	if s, ok := v.(*domain.Scheme); ok {
		scheme, err := domain.ParseScheme(body)
		if err == nil {
			err = checkBody(scheme).Err("text")
		}
		*s = scheme
		return err == nil, statusOf[domain.ErrorCode(err)]
	}
	return bindJSON(c, v), w.Code
}

// FuzzRequestBodies: whatever bytes come in, no body type panics, a refusal is a 4xx, and an
// accepted value holds no control character (but tab and line breaks), no invalid UTF-8, and
// no text longer than the longest limit; a field without a multi-line rule holds no tab or
// line break either.
func FuzzRequestBodies(f *testing.F) {
	for _, b := range requestBodies {
		f.Add(b.example)
		f.Add(strings.Replace(b.example, `"}`, `\u0000"}`, 1))
		f.Add(strings.Replace(b.example, `"}`, `\t\u0085"}`, 1))
		f.Add(strings.Replace(b.example, `":"`, `":"`+strings.Repeat("长", domain.MaxShortText), 1))
	}
	f.Add(`{"result":{"a\u0000":"x"}}`)
	f.Add(`{"memberships":[{"unit_id":"\u001b[31m","role":"officer"}]}`)
	f.Add("{\"name\":\"\xff\xfe\"}")
	f.Fuzz(func(t *testing.T, body string) {
		for _, b := range requestBodies {
			v := b.new()
			accepted, status := bind(b.route, v, []byte(body))
			if !accepted {
				if status != 0 && (status < 400 || status >= 500) {
					t.Fatalf("%s: refused with %d", b.route, status)
				}
				continue
			}
			assertCleanText(t, b.route, reflect.ValueOf(v), domain.ShortText)
		}
	})
}

// assertCleanText checks accepted text independently of checkBody's walk: JSON kept raw is
// decoded and its strings checked as long text.
func assertCleanText(t *testing.T, route string, rv reflect.Value, rule domain.TextRule) {
	t.Helper()
	if !rv.IsValid() {
		return
	}
	if rv.Type() == rawMessageType {
		var doc any
		if len(rv.Bytes()) > 0 && json.Unmarshal(rv.Bytes(), &doc) == nil {
			assertCleanText(t, route, reflect.ValueOf(doc), domain.LongText)
		}
		return
	}
	switch rv.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !rv.IsNil() {
			assertCleanText(t, route, rv.Elem(), rule)
		}
	case reflect.String:
		s := rv.String()
		if !utf8.ValidString(s) || utf8.RuneCountInString(s) > rule.Max {
			t.Fatalf("%s accepted %q (rule %+v)", route, s, rule)
		}
		for _, r := range s {
			if (r < 0x20 || r >= 0x7f && r <= 0x9f) && !(rule.Multiline && strings.ContainsRune("\t\n\r", r)) {
				t.Fatalf("%s accepted the control character %U in %q", route, r, s)
			}
		}
	case reflect.Slice, reflect.Array:
		for i := 0; i < rv.Len(); i++ {
			assertCleanText(t, route, rv.Index(i), rule)
		}
	case reflect.Map:
		for _, k := range rv.MapKeys() {
			assertCleanText(t, route, k, domain.ShortText)
			assertCleanText(t, route, rv.MapIndex(k), rule)
		}
	case reflect.Struct:
		for i := 0; i < rv.NumField(); i++ {
			if f := rv.Type().Field(i); f.IsExported() {
				assertCleanText(t, route, rv.Field(i), textRuleOf(f))
			}
		}
	}
}

// The fuzz table holds exactly the routes whose JSON bodies the document describes, and each
// example is accepted (so the seeds reach past the decoder).
func TestRequestBodiesCoverTheDocument(t *testing.T) {
	var doc struct {
		Paths map[string]map[string]struct {
			RequestBody struct {
				Content map[string]any `yaml:"content"`
			} `yaml:"requestBody"`
		} `yaml:"paths"`
	}
	if err := yaml.Unmarshal(OpenAPI, &doc); err != nil {
		t.Fatal(err)
	}
	documented := map[string]bool{}
	for path, ops := range doc.Paths {
		for method, op := range ops {
			if _, ok := op.RequestBody.Content["application/json"]; ok {
				documented[strings.ToUpper(method)+" "+path] = true
			}
		}
	}
	listed := map[string]bool{}
	for _, b := range requestBodies {
		listed[b.route] = true
		if !documented[b.route] {
			t.Errorf("%s: in the fuzz table, but the document has no JSON body for it", b.route)
		}
		if ok, status := bind(b.route, b.new(), []byte(b.example)); !ok {
			t.Errorf("%s: the example is refused (%d)", b.route, status)
		}
	}
	for r := range documented {
		if !listed[r] {
			t.Errorf("%s takes a JSON body that the fuzz table does not list", r)
		}
	}
}
