package app_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"tandem/activities"
	"tandem/app"
	"tandem/domain"
	"tandem/store"
	"tandem/store/storetest"
)

// recordingEngine records the Updates it is sent and takes none: a result refused before the
// Update never reaches it (nothing enters workflow history).
type recordingEngine struct {
	app.Engine
	updates []client.UpdateWorkflowOptions
}

func (e *recordingEngine) UpdateWorkflow(_ context.Context, o client.UpdateWorkflowOptions) (client.WorkflowUpdateHandle, error) {
	e.updates = append(e.updates, o)
	return nil, serviceerror.NewUnavailable("engine down")
}

// refusalFixture is a county with a township, an industry committee, the market bureau with
// two liaisons, an organization in the township, and a single establishment's branch 单建党支部.
type refusalFixture struct {
	st                      *store.Store
	ops                     *app.App
	eng                     *recordingEngine
	county, town, committee domain.Unit
	market                  domain.Unit
	officer, countyOfficer  domain.Principal
	liaison, otherLiaison   domain.Principal
	uscc, branchID          string
	now                     *time.Time
}

func newRefusalFixture(t *testing.T, st *store.Store) *refusalFixture {
	t.Helper()
	ctx := context.Background()
	now := time.Date(2026, 11, 16, 2, 0, 0, 0, time.UTC) // Monday 16 November, 10:00 in Shanghai
	f := &refusalFixture{st: st, eng: &recordingEngine{}, now: &now, uscc: "91350100M000100Y43", branchID: "po-single"}
	st.Now = func() time.Time { return *f.now }
	f.ops = app.New(app.Config{Store: st, Engine: f.eng, Calendar: &activities.CalendarCache{Store: st, TTL: time.Minute}})
	mk := func(u domain.Unit) domain.Unit {
		t.Helper()
		out, err := st.CreateUnit(ctx, admin, u)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	f.county = mk(domain.Unit{Name: "西城县", Net: domain.NetRegion, Kind: domain.KindCounty})
	f.town = mk(domain.Unit{Name: "东街道", Net: domain.NetRegion, Kind: domain.KindTownship, ParentID: &f.county.ID})
	f.committee = mk(domain.Unit{Name: "县非公企业党委", Net: domain.NetIndustry, Kind: domain.KindCommittee})
	f.market = mk(domain.Unit{Name: "市场监管局", Net: domain.NetDepartment, Kind: domain.KindDepartment})
	if _, err := st.SetSourceDepartment(ctx, admin, "market", f.market.ID); err != nil {
		t.Fatal(err)
	}
	as := func(name string, u domain.Unit, role domain.Role) domain.Principal {
		return domain.Principal{Username: name, Memberships: []domain.Membership{{UnitID: u.ID, UnitPath: u.Path, Role: role}}}
	}
	f.officer, f.countyOfficer = as("officer-town", f.town, domain.RoleOfficer), as("officer-county", f.county, domain.RoleOfficer)
	f.liaison, f.otherLiaison = as("liaison-a", f.market, domain.RoleLiaison), as("liaison-b", f.market, domain.RoleLiaison)
	db := st.DB()
	if err := db.Exec(`INSERT INTO organizations (uscc, name, region_unit_id, region_path, region_owners, created_at, updated_at)
		VALUES (?, '甲公司', ?, ?, 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)`, f.uscc, f.town.ID, f.town.Path).Error; err != nil {
		t.Fatal(err)
	}
	if err := db.Exec(`INSERT INTO party_orgs (id, kind, name, unit_id, unit_path, status, formation_id, created_at, updated_at)
		VALUES (?, 'branch', '乙公司党支部', ?, ?, 'active', 'f-0', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)`, f.branchID, f.town.ID, f.town.Path).Error; err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *refusalFixture) task(t *testing.T, nt store.NewTask) domain.Task {
	t.Helper()
	nt.Key = nt.WorkflowID + "/" + nt.Kind
	nt.DueAt = f.st.Now().Add(7 * 24 * time.Hour)
	task, _, err := f.st.CreateTask(context.Background(), nt)
	if err != nil {
		t.Fatal(err)
	}
	return task
}

// TestCompleteRefusesBeforeAccepting: an answer its workflow would refuse after completion is
// refused by Tasks.Complete with 422 naming the field; the task stays open and no Update is
// sent, so nothing enters workflow history. A valid answer is sent.
func TestCompleteRefusesBeforeAccepting(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		f := newRefusalFixture(t, st)
		opens := *f.now
		*f.now = opens.Add(-4 * 24 * time.Hour)
		early := storetest.MergedImport(t, st, f.liaison, "market", "market.csv") // before the window opened
		*f.now = opens
		if _, _, err := st.OpenPeriod(ctx, "monthly", "2026-11", "schedule", "schedule", opens, opens.Add(5*24*time.Hour)); err != nil {
			t.Fatal(err)
		}
		*f.now = opens.Add(time.Hour)
		others, own := storetest.MergedImport(t, st, f.otherLiaison, "market", "market.csv"), storetest.MergedImport(t, st, f.liaison, "market", "market.csv")

		attach := f.task(t, store.NewTask{Kind: "coverage.attach", Subject: f.uscc, WorkflowID: "verify/" + f.uscc, UnitID: f.town.ID, Role: domain.RoleOfficer})
		assign := f.task(t, store.NewTask{Kind: "census.assign", Subject: f.uscc, WorkflowID: "verify/x/" + f.uscc, UnitID: f.county.ID, Role: domain.RoleOfficer})
		deliver := f.task(t, store.NewTask{Kind: "delivery.upload", Subject: "2026-11/market", WorkflowID: "period/monthly/2026-11", UnitID: f.market.ID, Role: domain.RoleLiaison})

		for _, c := range []struct {
			name   string
			p      domain.Principal
			task   domain.Task
			result string
			field  string
			reason string // a part of the field's reason; "" = accepted and sent
		}{
			{"AttachJointToSingleBranch", f.officer, attach, `{"method":"joint","party_org_id":"` + f.branchID + `"}`, "party_org_id", "“乙公司党支部”不是联合党支部"},
			{"AttachToNoSuchPartyOrg", f.officer, attach, `{"method":"regional","party_org_id":"po-none"}`, "party_org_id", "不是正常运行的党组织"},
			{"AssignIndustryUnit", f.countyOfficer, assign, `{"unit_id":"` + f.committee.ID + `","reason":"属地不明"}`, "unit_id", "“西城县”范围内"},
			{"AssignNoSuchUnit", f.countyOfficer, assign, `{"unit_id":"unit-none","reason":"属地不明"}`, "unit_id", "单位不存在"},
			{"DeliveryOfOthersImport", f.liaison, deliver, `{"import_id":"` + others.ID + `"}`, "import_id", "联络员本人上传"},
			{"DeliveryFromBeforeWindow", f.liaison, deliver, `{"import_id":"` + early.ID + `"}`, "import_id", "早于 2026-11 报送窗口开启"},
			{"OKAssignTownship", f.countyOfficer, assign, `{"unit_id":"` + f.town.ID + `","reason":"属地不明"}`, "", ""},
			{"OKDeliveryInWindow", f.liaison, deliver, `{"import_id":"` + own.ID + `"}`, "", ""},
		} {
			t.Run(c.name, func(t *testing.T) {
				sent := len(f.eng.updates)
				_, err := f.ops.Tasks.Complete(ctx, c.p, app.CompleteTask{TaskID: c.task.ID, Result: json.RawMessage(c.result)})
				after, gerr := st.TaskByID(ctx, c.task.ID)
				if gerr != nil || after.Status != domain.TaskOpen {
					t.Fatalf("task after the answer: %+v %v", after, gerr)
				}
				if c.reason == "" {
					if domain.ErrorCode(err) != domain.EUNAVAILABLE || len(f.eng.updates) != sent+1 {
						t.Fatalf("a valid answer was not sent to the workflow: %v (updates %d → %d)", err, sent, len(f.eng.updates))
					}
					return
				}
				var de *domain.Error
				if !errors.As(err, &de) || de.Code != domain.EINVALID || len(de.Fields) != 1 || de.Fields[0].Field != c.field ||
					!strings.Contains(de.Fields[0].Reason, c.reason) {
					t.Fatalf("want 422 %s %q, got %v %+v", c.field, c.reason, err, de)
				}
				if len(f.eng.updates) != sent {
					t.Fatalf("a refused answer was sent to the workflow")
				}
			})
		}
	})
}

// TestCompleteReplayedAfterLostAnswer: a completion whose first answer was lost (a 503 while
// Temporal restarted, though the engine took the Update and the task is completed) sent again
// with its Idempotency-Key answers success, without another Update; another result, another
// person or no key still gets 409.
func TestCompleteReplayedAfterLostAnswer(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		f := newRefusalFixture(t, st)
		assign := f.task(t, store.NewTask{Kind: "census.assign", Subject: f.uscc, WorkflowID: "verify/x/" + f.uscc, UnitID: f.county.ID, Role: domain.RoleOfficer})
		result := `{"unit_id":"` + f.town.ID + `","reason":"属地不明"}`
		// What the workflow's CompleteTask activity records: the canonical result, by its sender.
		canonical := `{"reason":"属地不明","unit_id":"` + f.town.ID + `"}`
		if _, err := st.CompleteTask(ctx, assign.ID, f.countyOfficer.Username, json.RawMessage(canonical)); err != nil {
			t.Fatal(err)
		}
		sent := len(f.eng.updates)
		got, err := f.ops.Tasks.Complete(ctx, f.countyOfficer, app.CompleteTask{TaskID: assign.ID, Result: json.RawMessage(result), IdempotencyKey: "k1"})
		if err != nil || got.Status != domain.TaskCompleted {
			t.Fatalf("the same completion again under its key: %+v %v", got, err)
		}
		for _, c := range []struct {
			name   string
			p      domain.Principal
			result string
			key    string
		}{
			{"ErrNoKey", f.countyOfficer, result, ""},
			{"ErrOtherResult", f.countyOfficer, `{"unit_id":"` + f.town.ID + `","reason":"另有原因"}`, "k2"},
			{"ErrOtherPerson", domain.Principal{Username: "officer-county-2", Memberships: f.countyOfficer.Memberships}, result, "k3"},
		} {
			t.Run(c.name, func(t *testing.T) {
				_, err := f.ops.Tasks.Complete(ctx, c.p, app.CompleteTask{TaskID: assign.ID, Result: json.RawMessage(c.result), IdempotencyKey: c.key})
				if domain.ErrorCode(err) != domain.ECONFLICT {
					t.Fatalf("want 409, got %v", err)
				}
			})
		}
		if len(f.eng.updates) != sent {
			t.Fatalf("%d Updates sent for a completed task", len(f.eng.updates)-sent)
		}
	})
}
