package store_test

import (
	"context"
	"testing"
	"time"

	"tandem/domain"
	"tandem/store"
	"tandem/store/storetest"
)

// visit records a field visit's finding on an organization (through a census.verify task).
func visit(t *testing.T, st *store.Store, unit domain.Unit, uscc, key string, operating bool) {
	t.Helper()
	ctx := context.Background()
	task, _, err := st.CreateTask(ctx, store.NewTask{Key: key, Kind: "census.verify", Subject: uscc, WorkflowID: "wf-" + key,
		UnitID: unit.ID, Role: domain.RoleInspector, DueAt: st.Now().Add(72 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.RecordVisit(ctx, store.Visit{TaskID: task.ID, USCC: uscc, Inspector: "insp", Operating: operating, Employees: 9,
		Result: "{}", Decision: domain.DecideWork}); err != nil {
		t.Fatal(err)
	}
}

func operatingOf(t *testing.T, st *store.Store, uscc string) (*bool, string) {
	t.Helper()
	var row struct {
		Operating      *bool
		OperatingBasis string
	}
	if err := st.DB().Raw("SELECT operating, operating_basis FROM organizations WHERE uscc = ?", uscc).Scan(&row).Error; err != nil {
		t.Fatal(err)
	}
	return row.Operating, row.OperatingBasis
}

func boolText(b *bool) string {
	if b == nil {
		return "unknown"
	}
	if *b {
		return "operating"
	}
	return "not operating"
}

// TestOperatingLatestObservationWins (#17 §4 C1): an inspector's finding that an organization
// is not operating is not overturned by the next market extract saying 存续; a deregistration
// (注销) after a visit that found it operating always wins; the list filter reads the same state.
func TestOperatingLatestObservationWins(t *testing.T) {
	const x, y = "91110108551385082Q", "9144030071526726XG"
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		_, a, _, _ := nets(t, st)
		importRows(t, st, "market",
			store.StagedRow{Row: 2, USCC: x, Name: "甲科技有限公司", Township: "东街道", RegStatus: "存续"},
			store.StagedRow{Row: 3, USCC: y, Name: "乙贸易有限公司", Township: "东街道", RegStatus: "存续"})
		for _, u := range []string{x, y} {
			if op, basis := operatingOf(t, st, u); op == nil || !*op || basis != "registration" {
				t.Fatalf("%s after the first extract: %s (%s), want operating by registration", u, boolText(op), basis)
			}
		}
		visit(t, st, a, x, "v-x", false)
		visit(t, st, a, y, "v-y", true)
		// The next month: x is still 存续 on the market register, y is 注销.
		importRows(t, st, "market",
			store.StagedRow{Row: 2, USCC: x, Name: "甲科技有限公司", Township: "东街道", RegStatus: "存续（在营、开业、在册）"},
			store.StagedRow{Row: 3, USCC: y, Name: "乙贸易有限公司", Township: "东街道", RegStatus: "注销"})
		if op, basis := operatingOf(t, st, x); op == nil || *op || basis != "visit" {
			t.Errorf("x: the visit found it not operating, a later 存续 extract made it %s (%s)", boolText(op), basis)
		}
		if op, basis := operatingOf(t, st, y); op == nil || *op || basis != "deregistration" {
			t.Errorf("y: deregistered after a visit found it operating, it is %s (%s)", boolText(op), basis)
		}
		no := false
		rows, _, err := st.ListOrganizations(ctx, admin, store.OrganizationFilter{Operating: &no})
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 2 {
			t.Errorf("listing operating=false gives %d organizations, want both", len(rows))
		}
		// A later visit is the latest observation of x.
		visit(t, st, a, x, "v-x2", true)
		if op, basis := operatingOf(t, st, x); op == nil || !*op || basis != "visit" {
			t.Errorf("x after a second visit found it operating: %s (%s)", boolText(op), basis)
		}
		// …but not of y, whose registration ended.
		visit(t, st, a, y, "v-y2", true)
		if op, _ := operatingOf(t, st, y); op == nil || *op {
			t.Errorf("y: a visit after 注销 made it %s", boolText(op))
		}
	})
}

// TestRegStatusVocabulariesAgree (#17 §4 C2): the departments' words for the same status
// (market 存续, tax 正常) are no conflict; an active and a deregistered source are.
func TestRegStatusVocabulariesAgree(t *testing.T) {
	const x, y = "91110108551385082Q", "9144030071526726XG"
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		nets(t, st)
		importRows(t, st, "market",
			store.StagedRow{Row: 2, USCC: x, Name: "甲科技有限公司", Township: "东街道", RegStatus: "存续"},
			store.StagedRow{Row: 3, USCC: y, Name: "乙贸易有限公司", Township: "东街道", RegStatus: "在业"})
		importRows(t, st, "tax",
			store.StagedRow{Row: 2, USCC: x, Name: "甲科技有限公司", Township: "东街道", RegStatus: "正常"},
			store.StagedRow{Row: 3, USCC: y, Name: "乙贸易有限公司", Township: "东街道", RegStatus: "注销"})
		if d := org(t, st, x); d.ConflictFields != "" {
			t.Errorf("market 存续 and tax 正常 conflict on %q", d.ConflictFields)
		}
		if d := org(t, st, y); d.ConflictFields != "reg_status" {
			t.Errorf("market 在业 and tax 注销: conflict fields %q, want reg_status", d.ConflictFields)
		}
	})
}

func TestRegStatusOf(t *testing.T) {
	for raw, want := range map[string]domain.RegStatus{
		"存续": domain.RegActive, "存续（在营、开业、在册）": domain.RegActive, "在业": domain.RegActive, "正常": domain.RegActive,
		"登记成立": domain.RegActive, "注销": domain.RegDeregistered, "已注销": domain.RegDeregistered, "吊销，未注销": domain.RegRevoked,
		"吊销": domain.RegRevoked, "撤销": domain.RegCancelled, "迁出": domain.RegMovedOut, "歇业": domain.RegClosed,
		"停业": domain.RegClosed, "非正常户": domain.RegUnknown, "": domain.RegUnknown, "其他": domain.RegUnknown,
	} {
		if got := domain.RegStatusOf(raw); got != want {
			t.Errorf("RegStatusOf(%q) = %s, want %s", raw, got, want)
		}
	}
}
