package main_test

import (
	"encoding/json"
	"fmt"
	"net/url"
)

// authzCase says how the matrix calls one operation of api/openapi.yaml: build fills its
// path parameters, query and body with township A's object (out false) or township B's (out
// true). Every operation of the document needs a case, and every case an operation.
type authzCase struct {
	build func(fx *authzFixture, a *actor, out bool) apiRequest
	// scoped: the operation names an object that belongs to a unit, so a user of A asking
	// for B's must get 403 or 404 (or a status of outAlso). Unscoped operations (global
	// settings, public pages, the caller's own data) run once, in scope.
	scoped  bool
	outAlso []int
	// outVisible: roles that see B's object by design.
	outVisible map[string]bool
	// outCheck replaces "no 2xx" for answers that are 200 with a result per item (bulk
	// operations, the unit import): it returns what went wrong, or "".
	outCheck func(ans apiAnswer) string
	// phase orders the destructive cases: 0 first, 1 after (merges, disabling), 2 last (logout).
	phase int
}

func p(kv ...string) map[string]string {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return m
}

func q(kv ...string) url.Values {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return v
}

func pick(out bool, in, o string) string {
	if out {
		return o
	}
	return in
}

// byID is a case whose only input is the path parameter name, A's or B's object.
func byID(name string, in, out func(fx *authzFixture) string) authzCase {
	return authzCase{scoped: true, build: func(fx *authzFixture, a *actor, o bool) apiRequest {
		if o {
			return apiRequest{params: p(name, out(fx))}
		}
		return apiRequest{params: p(name, in(fx))}
	}}
}

func withBody(c authzCase, body func(fx *authzFixture, a *actor, out bool) any) authzCase {
	build := c.build
	c.build = func(fx *authzFixture, a *actor, out bool) apiRequest {
		r := build(fx, a, out)
		r.body = body(fx, a, out)
		return r
	}
	return c
}

func phase(c authzCase, n int) authzCase { c.phase = n; return c }

func plain(build func(fx *authzFixture, a *actor) apiRequest) authzCase {
	return authzCase{build: func(fx *authzFixture, a *actor, _ bool) apiRequest { return build(fx, a) }}
}

func none(*authzFixture, *actor) apiRequest { return apiRequest{} }

var (
	townOf = func(out bool) func(fx *authzFixture) string {
		return func(fx *authzFixture) string { return pick(out, fx.townA, fx.townB) }
	}
	taskOf  = func(fx *authzFixture) string { return fx.taskA }
	taskOfB = func(fx *authzFixture) string { return fx.taskB }
	orgOf   = func(fx *authzFixture) string { return fx.orgA }
	orgOfB  = func(fx *authzFixture) string { return fx.orgB }
	spareA  = func(*authzFixture) string { return "spare-a" }
	spareB  = func(*authzFixture) string { return "spare-b" }
	// Party organizations, assessments and transfers need a whole formation or a half-year
	// to exist; these cases use IDs of no object and prove only "no 500 and no 2xx for a
	// missing object".
	missing = func(kind string) func(*authzFixture) string {
		return func(*authzFixture) string { return missingID(kind) }
	}
)

// bulkOutCheck: a bulk answer for B's tasks is 200, but each task's own status must not be 2xx.
func bulkOutCheck(ans apiAnswer) string {
	if ans.status != 200 {
		if ans.status == 403 || ans.status == 404 || ans.status == 422 {
			return ""
		}
		return fmt.Sprintf("status %d", ans.status)
	}
	var out struct {
		Results []struct {
			Status int `json:"status"`
		} `json:"results"`
	}
	if err := json.Unmarshal(ans.body, &out); err != nil || len(out.Results) == 0 {
		return fmt.Sprintf("unreadable bulk answer %s", ans.body)
	}
	for _, r := range out.Results {
		if r.Status < 300 {
			return fmt.Sprintf("task of township B answered %d inside the bulk result", r.Status)
		}
	}
	return ""
}

func drillResult(*authzFixture, *actor, bool) any {
	return map[string]any{"result": map[string]any{"acknowledged": true}}
}

func authzCases() map[string]authzCase {
	unitCSV := func(fx *authzFixture, parent string) []byte {
		return fmt.Appendf(nil, "名称,类型,上级\n导入园区%d,园区,%s\n", fx.next(), parent)
	}
	return map[string]authzCase{
		"GET /healthz":             plain(none),
		"GET /readyz":              plain(none),
		"GET /api/v1/openapi.yaml": plain(none),
		"POST /api/v1/auth/login": plain(func(fx *authzFixture, a *actor) apiRequest {
			return apiRequest{body: map[string]any{"username": "login-probe", "password": matrixPassword + "login-probe"}}
		}),
		"POST /api/v1/auth/logout": phase(plain(none), 2),
		"GET /api/v1/me":           plain(none),
		// A wrong current password: the matrix must not change anyone's password.
		"POST /api/v1/me/password": plain(func(fx *authzFixture, a *actor) apiRequest {
			return apiRequest{body: map[string]any{"current_password": "not-the-password", "new_password": "matrix-new-password"}}
		}),

		"GET /api/v1/units": {scoped: true, build: func(fx *authzFixture, a *actor, out bool) apiRequest {
			return apiRequest{query: q("limit", "200", "parent_id", pick(out, fx.townA, fx.townB))}
		}, outAlso: []int{200}}, // a parent filter outside the caller's units answers an empty page; the leak check holds it
		"POST /api/v1/units": {scoped: true, outAlso: []int{422}, build: func(fx *authzFixture, a *actor, out bool) apiRequest {
			return apiRequest{body: map[string]any{"name": fmt.Sprintf("矩阵园区%d", fx.next()), "net": "region", "kind": "park",
				"parent_id": pick(out, fx.townA, fx.townB)}}
		}},
		"POST /api/v1/units/import": {scoped: true, build: func(fx *authzFixture, a *actor, out bool) apiRequest {
			return apiRequest{form: map[string]string{}, file: unitCSV(fx, pick(out, "青山县/东风街道", "青山县/南湖镇")), fname: "units.csv"}
		}, outCheck: func(ans apiAnswer) string {
			var out struct{ Created, Existing int }
			if ans.status == 403 || ans.status == 404 || ans.status == 422 {
				return ""
			}
			if ans.status == 200 && json.Unmarshal(ans.body, &out) == nil && out.Created == 0 && out.Existing == 0 {
				return ""
			}
			return fmt.Sprintf("status %d, created a unit under township B: %s", ans.status, ans.body)
		}},
		"GET /api/v1/units/{id}": byID("id", townOf(false), townOf(true)),
		"PATCH /api/v1/units/{id}": withBody(byID("id", func(fx *authzFixture) string { return fx.parkA[0] }, func(fx *authzFixture) string { return fx.parkB[0] }),
			func(fx *authzFixture, a *actor, out bool) any {
				return map[string]any{"name": fmt.Sprintf("改名园区%d", fx.next())}
			}),
		"POST /api/v1/units/{id}/merge": phase(withBody(byID("id", func(fx *authzFixture) string { return fx.parkA[1] }, func(fx *authzFixture) string { return fx.parkB[1] }),
			func(fx *authzFixture, a *actor, out bool) any {
				return map[string]any{"into": pick(out, fx.parkA[2], fx.parkB[2])}
			}), 1),
		"GET /api/v1/units/{id}/aliases": byID("id", townOf(false), townOf(true)),
		"POST /api/v1/units/{id}/aliases": withBody(byID("id", townOf(false), townOf(true)),
			func(fx *authzFixture, a *actor, out bool) any {
				return map[string]any{"alias": fmt.Sprintf("别名%d", fx.next())}
			}),

		"GET /api/v1/users": plain(func(*authzFixture, *actor) apiRequest { return apiRequest{query: q("limit", "200")} }),
		"POST /api/v1/users": {scoped: true, outAlso: []int{422}, build: func(fx *authzFixture, a *actor, out bool) apiRequest {
			return apiRequest{body: map[string]any{"username": fmt.Sprintf("matrix-%d", fx.next()), "password": "matrix-password-new",
				"memberships": []map[string]string{{"unit_id": pick(out, fx.townA, fx.townB), "role": "inspector"}}}}
		}},
		"GET /api/v1/users/{username}": byID("username", func(*authzFixture) string { return "inspector-a" }, func(*authzFixture) string { return "inspector-b" }),
		"POST /api/v1/users/{username}/password": withBody(byID("username", spareA, spareB),
			func(*authzFixture, *actor, bool) any { return map[string]any{"password": "matrix-password-reset"} }),
		"POST /api/v1/users/{username}/disable": phase(byID("username", spareA, spareB), 1),
		"POST /api/v1/users/{username}/enable":  phase(byID("username", spareA, spareB), 1),
		"POST /api/v1/users/{username}/unlock":  byID("username", spareA, spareB),

		"GET /api/v1/tasks": {scoped: true, build: func(fx *authzFixture, a *actor, out bool) apiRequest {
			if out {
				return apiRequest{query: q("scope", "visible", "status", "all", "limit", "200", "unit", fx.townB)}
			}
			return apiRequest{query: q("scope", "visible", "status", "all", "limit", "200")}
		}},
		"POST /api/v1/tasks/bulk/claim": {scoped: true, outCheck: bulkOutCheck, build: func(fx *authzFixture, a *actor, out bool) apiRequest {
			return apiRequest{body: map[string]any{"task_ids": []string{pick(out, fx.taskA, fx.taskB)}}}
		}},
		"POST /api/v1/tasks/bulk/assign": {scoped: true, outCheck: bulkOutCheck, build: func(fx *authzFixture, a *actor, out bool) apiRequest {
			return apiRequest{body: map[string]any{"task_ids": []string{pick(out, fx.taskA, fx.taskB)}, "assignee": pick(out, "secretary-a", "secretary-b")}}
		}},
		"GET /api/v1/tasks/{id}":          byID("id", taskOf, taskOfB),
		"POST /api/v1/tasks/{id}/claim":   byID("id", taskOf, taskOfB),
		"POST /api/v1/tasks/{id}/unclaim": byID("id", taskOf, taskOfB),
		"POST /api/v1/tasks/{id}/assign": withBody(byID("id", taskOf, taskOfB),
			func(fx *authzFixture, a *actor, out bool) any {
				return map[string]any{"assignee": pick(out, "secretary-a", "secretary-b")}
			}),
		"POST /api/v1/tasks/{id}/delegate": withBody(byID("id", taskOf, taskOfB),
			func(fx *authzFixture, a *actor, out bool) any {
				return map[string]any{"assignee": pick(out, "officer-a", "officer-b")}
			}),
		"GET /api/v1/tasks/{id}/delegates": byID("id", taskOf, taskOfB),
		"POST /api/v1/tasks/{id}/resolve":  byID("id", taskOf, taskOfB),
		"POST /api/v1/tasks/{id}/complete": phase(withBody(byID("id", taskOf, taskOfB), drillResult), 1),
		"POST /api/v1/tasks/{id}/comments": withBody(byID("id", taskOf, taskOfB),
			func(*authzFixture, *actor, bool) any { return map[string]any{"body": "矩阵测试的评论"} }),
		"POST /api/v1/tasks/{id}/attachments": {scoped: true, build: func(fx *authzFixture, a *actor, out bool) apiRequest {
			return apiRequest{params: p("id", pick(out, fx.taskA, fx.taskB)), form: map[string]string{}, file: []byte("佐证材料\n"), fname: "note.txt"}
		}},
		"GET /api/v1/tasks/{id}/attachments/{attachment}": {scoped: true, build: func(fx *authzFixture, a *actor, out bool) apiRequest {
			return apiRequest{params: p("id", pick(out, fx.taskA, fx.taskB), "attachment", pick(out, fx.attachA, fx.attachB))}
		}},
		"POST /api/v1/tasks/{id}/deadline-extensions": withBody(byID("id", taskOf, taskOfB),
			func(*authzFixture, *actor, bool) any {
				return map[string]any{"working_days": 2, "reason": "材料未齐"}
			}),
		"GET /api/v1/tasks/{id}/deadline-extensions": byID("id", taskOf, taskOfB),
		"POST /api/v1/tasks/{id}/deadline-extensions/{extension}/decision": {scoped: true, build: func(fx *authzFixture, a *actor, out bool) apiRequest {
			return apiRequest{params: p("id", pick(out, fx.taskA, fx.taskB), "extension", "no-such-extension"), body: map[string]any{"decision": "grant"}}
		}},

		"POST /api/v1/drills": {scoped: true, build: func(fx *authzFixture, a *actor, out bool) apiRequest {
			return apiRequest{body: map[string]any{"unit_id": pick(out, fx.townA, fx.townB), "role": "inspector", "note": "矩阵"}}
		}},
		"GET /api/v1/drills/{id}": byID("id", func(fx *authzFixture) string { return fx.drillA }, func(fx *authzFixture) string { return fx.drillB }),

		"GET /api/v1/notifications": plain(none),
		// Each user's own notification in scope (an ID of none when they have none), a user of B's out of scope.
		"POST /api/v1/notifications/{id}/read": {scoped: true, build: func(fx *authzFixture, a *actor, out bool) apiRequest {
			id := fx.notes[a.name]
			if out {
				id = fx.notes["secretary-b"]
			}
			if id == "" {
				id = missingID(fmt.Sprintf("note-%s-%v", a.name, out))
			}
			return apiRequest{params: p("id", id)}
		}},

		"GET /api/v1/calendar/overrides": plain(none),
		"PUT /api/v1/calendar/overrides/{date}": plain(func(*authzFixture, *actor) apiRequest {
			return apiRequest{params: p("date", "2031-01-04"), body: map[string]any{"workday": false, "name": "矩阵假日"}}
		}),
		"DELETE /api/v1/calendar/overrides/{date}": plain(func(*authzFixture, *actor) apiRequest { return apiRequest{params: p("date", "2031-01-04")} }),
		"GET /api/v1/calendar/deadline": plain(func(*authzFixture, *actor) apiRequest {
			return apiRequest{query: q("working_days", "5")}
		}),

		"GET /api/v1/industry-mappings": plain(none),
		"PUT /api/v1/industry-mappings/{text}": plain(func(fx *authzFixture, _ *actor) apiRequest {
			return apiRequest{params: p("text", "软件和信息技术服务业"), body: map[string]any{"unit_id": fx.industry}}
		}),

		"GET /api/v1/sources": plain(none),
		"PUT /api/v1/sources/{source}": plain(func(fx *authzFixture, _ *actor) apiRequest {
			return apiRequest{params: p("source", "market"), body: map[string]any{"unit_id": fx.dept}}
		}),
		// The source's conflicts: its department's liaisons and admins (others 403).
		"GET /api/v1/sources/{source}/conflicts": plain(func(fx *authzFixture, _ *actor) apiRequest {
			return apiRequest{params: p("source", "market")}
		}),

		// Imports belong to no unit: the uploader, admins and the source's department's
		// liaisons read one (docs/roster-delivery.md).
		"POST /api/v1/roster-imports": plain(func(fx *authzFixture, _ *actor) apiRequest {
			return apiRequest{form: map[string]string{"source": "market"}, fname: "market.csv",
				file: []byte("统一社会信用代码,企业名称,所属乡镇(街道)\n" + fx.orgA + ",东风甲有限公司,东风街道\n")}
		}),
		"GET /api/v1/roster-imports/{id}": plain(func(fx *authzFixture, _ *actor) apiRequest { return apiRequest{params: p("id", fx.importID)} }),
		"GET /api/v1/roster-imports/{id}/rejects": plain(func(fx *authzFixture, _ *actor) apiRequest {
			return apiRequest{params: p("id", fx.importID), query: q("format", "csv")}
		}),
		"GET /api/v1/roster-imports": plain(none),

		"GET /api/v1/organizations": {scoped: true, build: func(fx *authzFixture, a *actor, out bool) apiRequest {
			if out {
				return apiRequest{query: q("limit", "200", "unit", fx.townB)}
			}
			return apiRequest{query: q("limit", "200")}
		}},
		"GET /api/v1/organizations/{uscc}": byID("uscc", orgOf, orgOfB),
		"POST /api/v1/organizations/{uscc}/resolutions": withBody(byID("uscc", orgOf, orgOfB),
			func(*authzFixture, *actor, bool) any {
				return map[string]any{"field": "address", "value": "青山县某路1号", "reason": "实地核实"}
			}),
		"PUT /api/v1/organizations/{uscc}/tags": withBody(byID("uscc", orgOf, orgOfB),
			func(*authzFixture, *actor, bool) any { return map[string]any{"tags": []string{"high_tech"}} }),
		"GET /api/v1/organizations/{uscc}/members": byID("uscc", orgOf, orgOfB),
		"GET /api/v1/tags":                         plain(none),
		"PUT /api/v1/tags/{code}": plain(func(*authzFixture, *actor) apiRequest {
			return apiRequest{params: p("code", "matrix_tag"), body: map[string]any{"label": "矩阵标签"}}
		}),
		"GET /api/v1/reports/responsibility": plain(func(*authzFixture, *actor) apiRequest { return apiRequest{query: q("limit", "200")} }),
		"GET /api/v1/reports/coverage": {scoped: true, build: func(fx *authzFixture, a *actor, out bool) apiRequest {
			return apiRequest{query: q("unit", pick(out, fx.townA, fx.townB))}
		}},
		"GET /api/v1/audit":              plain(func(*authzFixture, *actor) apiRequest { return apiRequest{query: q("limit", "200")} }),
		"POST /api/v1/system/self-check": plain(none),

		// A survey link is its own key: anyone holding it may answer, so there is no scope.
		"GET /survey/{token}": plain(func(fx *authzFixture, _ *actor) apiRequest { return apiRequest{params: p("token", fx.tokenA)} }),
		"POST /survey/{token}": phase(plain(func(fx *authzFixture, _ *actor) apiRequest {
			return apiRequest{params: p("token", fx.tokenA), body: map[string]any{"formal_members": 0, "probationary_members": 0, "party_org": "none", "contact": "张经理"}}
		}), 1),
		// A registration names a township by text: the liaisons who report them are not scoped by unit.
		"POST /api/v1/registrations": plain(func(fx *authzFixture, _ *actor) apiRequest {
			return apiRequest{body: map[string]any{"uscc": usccFor(int(910000 + fx.next())), "name": fmt.Sprintf("矩阵登记%d有限公司", fx.next()),
				"township": "东风街道", "event": "new"}}
		}),
		"GET /api/v1/registrations/{id}":        byID("id", func(fx *authzFixture) string { return fx.regA }, func(fx *authzFixture) string { return fx.regB }),
		"GET /api/v1/registrations/{id}/letter": byID("id", func(fx *authzFixture) string { return fx.regA }, func(fx *authzFixture) string { return fx.regB }),

		"POST /api/v1/census-rounds": {scoped: true, build: func(fx *authzFixture, a *actor, out bool) apiRequest {
			return apiRequest{body: map[string]any{"unit_id": pick(out, fx.townA, fx.townB), "select": "unverified"}}
		}},
		"GET /api/v1/census-rounds/{id}":         byID("id", func(fx *authzFixture) string { return fx.roundA }, func(fx *authzFixture) string { return fx.roundB }),
		"POST /api/v1/census-rounds/{id}/cancel": phase(byID("id", func(fx *authzFixture) string { return fx.roundA }, func(fx *authzFixture) string { return fx.roundB }), 1),

		"GET /api/v1/census-rounds/{id}/skipped-organizations": byID("id", func(fx *authzFixture) string { return fx.roundA }, func(fx *authzFixture) string { return fx.roundB }),

		"POST /api/v1/cycles/{kind}/{period}/run": plain(func(*authzFixture, *actor) apiRequest {
			return apiRequest{params: p("kind", "monthly", "period", "2026-10")}
		}),
		"GET /api/v1/periods":      plain(none),
		"GET /api/v1/periods/{id}": plain(func(fx *authzFixture, _ *actor) apiRequest { return apiRequest{params: p("id", fx.periodID)} }),
		// No user of A is over a county: the first county is above them, the second beside.
		"GET /api/v1/periods/{id}/bulletins/{county}": {scoped: true, build: func(fx *authzFixture, a *actor, out bool) apiRequest {
			return apiRequest{params: p("id", fx.periodID, "county", pick(out, fx.county, fx.county2))}
		}},
		"GET /api/v1/ledgers/{unit}":           byID("unit", func(fx *authzFixture) string { return fx.county }, func(fx *authzFixture) string { return fx.county2 }),
		"GET /api/v1/periods/{id}/assessments": plain(func(fx *authzFixture, _ *actor) apiRequest { return apiRequest{params: p("id", fx.periodID)} }),
		"GET /api/v1/periods/{id}/analyses":    plain(func(fx *authzFixture, _ *actor) apiRequest { return apiRequest{params: p("id", fx.periodID)} }),
		"GET /api/v1/assessment-scheme":        plain(none),
		"PUT /api/v1/assessment-scheme":        plain(func(fx *authzFixture, _ *actor) apiRequest { return apiRequest{body: fx.scheme} }),
		"GET /api/v1/assessments/{id}":         byID("id", missing("assessment-a"), missing("assessment-b")),
		"POST /api/v1/assessments/{id}/reopen": withBody(byID("id", missing("assessment-a"), missing("assessment-b")),
			func(*authzFixture, *actor, bool) any { return map[string]any{"reason": "复核"} }),
		"POST /api/v1/assessments/{id}/adjustments": withBody(byID("id", missing("assessment-a"), missing("assessment-b")),
			func(*authzFixture, *actor, bool) any {
				return map[string]any{"code": "organization_coverage", "value": 1, "reason": "复核"}
			}),

		// The web UI's reads (issue #18) and saved views.
		"GET /api/v1/forms":        plain(none),
		"GET /api/v1/forms/{kind}": plain(func(*authzFixture, *actor) apiRequest { return apiRequest{params: p("kind", "census.verify")} }),
		"GET /api/v1/census-rounds": {scoped: true, outAlso: []int{200}, build: func(fx *authzFixture, a *actor, out bool) apiRequest {
			return apiRequest{query: q("unit", pick(out, fx.townA, fx.townB))}
		}}, // a filter on B's township answers an empty page; the leak check holds it
		"GET /api/v1/tasks/counts": {scoped: true, outAlso: []int{200}, build: func(fx *authzFixture, a *actor, out bool) apiRequest {
			return apiRequest{query: q("scope", "visible", "unit", pick(out, fx.townA, fx.townB))}
		}},
		"GET /api/v1/units/tree": {scoped: true, outAlso: []int{200}, build: func(fx *authzFixture, a *actor, out bool) apiRequest {
			return apiRequest{query: q("net", "region", "root", pick(out, fx.townA, fx.townB))}
		}},
		"GET /api/v1/reports/coverage/trend": {scoped: true, build: func(fx *authzFixture, a *actor, out bool) apiRequest {
			return apiRequest{query: q("unit", pick(out, fx.townA, fx.townB), "months", "3")}
		}},
		"GET /api/v1/me/views": plain(none),
		"POST /api/v1/me/views": plain(func(fx *authzFixture, _ *actor) apiRequest {
			return apiRequest{body: map[string]any{"name": fmt.Sprintf("矩阵视图%d", fx.next()), "query": map[string]any{"sort": "due"}}}
		}),
		"PUT /api/v1/me/views/{id}": plain(func(fx *authzFixture, _ *actor) apiRequest {
			return apiRequest{params: p("id", missingID("view")), body: map[string]any{"name": "矩阵视图", "query": map[string]any{"sort": "due"}}}
		}),
		"DELETE /api/v1/me/views/{id}": plain(func(*authzFixture, *actor) apiRequest { return apiRequest{params: p("id", missingID("view"))} }),

		// Inspection rounds (issue #19): the fixture has none, so the by-ID cases prove "no
		// 500 and no 2xx for a missing round"; drafting is scoped by the sponsoring county.
		"POST /api/v1/inspection-rounds": {scoped: true, outAlso: []int{422}, build: func(fx *authzFixture, a *actor, out bool) apiRequest {
			return apiRequest{body: map[string]any{"sponsor_unit_id": pick(out, fx.county, fx.county2), "title": "矩阵专项督查",
				"targets": []string{pick(out, fx.townA, fx.townB)}, "methods": []string{"听取汇报"},
				"field_from": "2031-03-03", "field_to": "2031-03-04", "plan": "矩阵督查方案"}}
		}},
		"GET /api/v1/inspection-rounds":      plain(none),
		"GET /api/v1/inspection-rounds/{id}": byID("id", missing("inspection-round-a"), missing("inspection-round-b")),
		"PUT /api/v1/inspection-rounds/{id}": withBody(byID("id", missing("inspection-round-a"), missing("inspection-round-b")),
			func(fx *authzFixture, _ *actor, out bool) any {
				return map[string]any{"title": "矩阵专项督查", "targets": []string{pick(out, fx.townA, fx.townB)}, "methods": []string{"听取汇报"},
					"field_from": "2031-03-03", "field_to": "2031-03-04", "plan": "矩阵督查方案"}
			}),
		"PUT /api/v1/inspection-rounds/{id}/team": withBody(byID("id", missing("inspection-round-a"), missing("inspection-round-b")),
			func(fx *authzFixture, _ *actor, out bool) any {
				return map[string]any{"members": []map[string]any{{"username": "officer-a", "post": "leader", "targets": []string{pick(out, fx.townA, fx.townB)}}}}
			}),
		"POST /api/v1/inspection-rounds/{id}/objections": withBody(byID("id", missing("inspection-round-a"), missing("inspection-round-b")),
			func(fx *authzFixture, _ *actor, out bool) any {
				return map[string]any{"target": pick(out, fx.townA, fx.townB), "username": "officer-a", "reason": "矩阵异议"}
			}),
		"GET /api/v1/inspection-rounds/{id}/report": byID("id", missing("inspection-round-a"), missing("inspection-round-b")),
		// The fixture has no round: a target's feedback of a missing round is a 404 in and out of scope.
		"GET /api/v1/inspection-rounds/{id}/targets/{unit}/feedback": {scoped: true, build: func(fx *authzFixture, _ *actor, out bool) apiRequest {
			return apiRequest{params: p("id", pick(out, missingID("inspection-round-a"), missingID("inspection-round-b")), "unit", pick(out, fx.townA, fx.townB)),
				query: q("format", "html")}
		}},
		"GET /api/v1/rectifications": {scoped: true, outAlso: []int{200}, build: func(fx *authzFixture, a *actor, out bool) apiRequest {
			return apiRequest{query: q("unit", pick(out, fx.townA, fx.townB))}
		}},
		"GET /api/v1/rectifications/{id}": byID("id", missing("rectification-a"), missing("rectification-b")),
		// A unit outside the caller's scope is a 422 naming unit (as a filter is).
		"GET /api/v1/rectification-ledger": {scoped: true, outAlso: []int{422}, build: func(fx *authzFixture, a *actor, out bool) apiRequest {
			return apiRequest{query: q("unit", pick(out, fx.townA, fx.townB))}
		}},

		// Demonstration points (issue #19): the fixture has none and no party organization, so a
		// nomination is refused (403 outside the nominating county, 422 for the missing party
		// organization) and the by-ID cases prove "no 500 and no 2xx for a missing point".
		"POST /api/v1/demonstration-points": {scoped: true, outAlso: []int{422}, build: func(fx *authzFixture, a *actor, out bool) apiRequest {
			return apiRequest{body: map[string]any{"nominating_unit_id": pick(out, fx.county, fx.county2), "party_org_id": missingID("party-org"),
				"reasons": "矩阵推荐理由", "self_assessment": []map[string]any{{"item": "有场所", "met": true}}}}
		}},
		"GET /api/v1/demonstration-points":         plain(none),
		"GET /api/v1/demonstration-points/notices": plain(none),
		"GET /api/v1/inspection-methods":           plain(none),
		"GET /api/v1/demonstration-checklist":      plain(none),
		"GET /api/v1/inspection-vocabulary":        plain(none),
		// The fixture has no city: the counties' ranking is 403 for the townships' users (not
		// officers there) and 422 for the admin (unit_id not a city).
		"GET /api/v1/demonstration-points/ranking": {scoped: true, build: func(fx *authzFixture, a *actor, out bool) apiRequest {
			return apiRequest{query: q("unit_id", pick(out, fx.county, fx.county2), "year", "2026")}
		}},
		"GET /api/v1/demonstration-points/{id}": byID("id", missing("demonstration-a"), missing("demonstration-b")),
		"POST /api/v1/demonstration-points/{id}/objections": withBody(byID("id", missing("demonstration-a"), missing("demonstration-b")),
			func(*authzFixture, *actor, bool) any { return map[string]any{"reason": "矩阵异议"} }),

		"POST /api/v1/formations": {scoped: true, build: func(fx *authzFixture, a *actor, out bool) apiRequest {
			return apiRequest{body: map[string]any{"organization": pick(out, fx.orgA3, fx.orgB3), "kind": "branch"}}
		}},
		"GET /api/v1/formations": {scoped: true, outAlso: []int{200}, build: func(fx *authzFixture, a *actor, out bool) apiRequest {
			return apiRequest{query: q("organization", pick(out, fx.orgA2, fx.orgB2))}
		}}, // a filter on B's organization answers an empty page; the leak check holds it
		"GET /api/v1/formations/{id}":         byID("id", func(fx *authzFixture) string { return fx.formationA }, func(fx *authzFixture) string { return fx.formationB }),
		"POST /api/v1/formations/{id}/cancel": phase(byID("id", func(fx *authzFixture) string { return fx.formationA }, func(fx *authzFixture) string { return fx.formationB }), 1),

		"GET /api/v1/party-orgs/{id}":           byID("id", missing("party-org-a"), missing("party-org-b")),
		"GET /api/v1/party-orgs/{id}/transfers": byID("id", missing("party-org-a"), missing("party-org-b")),
		"GET /api/v1/party-orgs/{id}/transfers/{transfer}/letter": {scoped: true, build: func(fx *authzFixture, a *actor, out bool) apiRequest {
			return apiRequest{params: p("id", missingID(pick(out, "party-org-a", "party-org-b")), "transfer", missingID(pick(out, "transfer-a", "transfer-b")))}
		}},
		"POST /api/v1/party-orgs/{id}/dissolution": withBody(byID("id", missing("party-org-a"), missing("party-org-b")),
			func(*authzFixture, *actor, bool) any { return map[string]any{"reason": "企业注销"} }),
		"POST /api/v1/party-orgs/{id}/adjustment": withBody(byID("id", missing("party-org-a"), missing("party-org-b")),
			func(*authzFixture, *actor, bool) any {
				return map[string]any{"kind": "general_branch", "reason": "党员增加"}
			}),
		"POST /api/v1/party-orgs/{id}/reelection-date": withBody(byID("id", missing("party-org-a"), missing("party-org-b")),
			func(*authzFixture, *actor, bool) any {
				return map[string]any{"due_on": "2027-06-30", "reason": "换届推迟"}
			}),
	}
}
