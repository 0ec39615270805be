package app_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"tandem/activities"
	"tandem/app"
	"tandem/calendar"
	"tandem/diskspace"
	"tandem/domain"
	"tandem/store"
	"tandem/store/storetest"
	"tandem/workflows"
)

// refusingEngine is a workflow engine that is down: it refuses every start. It implements
// only ExecuteWorkflow; any other call panics through the nil embedded interface.
type refusingEngine struct {
	app.Engine
	started []string
}

func (e *refusingEngine) ExecuteWorkflow(_ context.Context, o client.StartWorkflowOptions, _ any, _ ...any) (client.WorkflowRun, error) {
	e.started = append(e.started, o.ID)
	return nil, serviceerror.NewUnavailable("engine down")
}

var admin = domain.Principal{Username: "admin", Admin: true}

func newApp(t *testing.T) (*app.App, *store.Store, *refusingEngine) {
	t.Helper()
	st := storetest.SQLite(t)
	day := time.Date(2026, 11, 16, 10, 0, 0, 0, calendar.Shanghai) // a Monday; no test reads today's date
	st.Now = func() time.Time { return day }
	eng := &refusingEngine{}
	return app.New(app.Config{Store: st, Engine: eng, Calendar: &activities.CalendarCache{Store: st, TTL: time.Minute}}), st, eng
}

func wantUnavailable(t *testing.T, err error, message string) {
	t.Helper()
	var de *domain.Error
	if !errors.As(err, &de) || de.Code != domain.EUNAVAILABLE || de.Message != message {
		t.Fatalf("want %s %q, got %v", domain.EUNAVAILABLE, message, err)
	}
}

func TestRegistrationReport(t *testing.T) {
	report := app.ReportRegistration{USCC: "91110108551385082Q", Name: "甲有限公司", Event: "new"}

	t.Run("EngineRefusesWithdrawsTheSurvey", func(t *testing.T) {
		ops, st, eng := newApp(t)
		ctx := context.Background()
		reg, err := ops.Registrations.Report(ctx, admin, report)
		wantUnavailable(t, err, "登记已记录，但后续跟进流程未能启动，请重新报送")
		if len(eng.started) != 1 || eng.started[0] != workflows.SurveyWorkflowID(reg.ID) {
			t.Fatalf("started %v", eng.started)
		}
		// The link leads nowhere, so it is withdrawn: the enterprise cannot answer it.
		_, err = st.AnswerSurvey(ctx, reg.Token, store.SurveyAnswer{PartyOrg: "none"})
		if domain.ErrorCode(err) != domain.EGONE {
			t.Fatalf("answering a withdrawn survey: %v", err)
		}
		var n int64
		st.DB().Table("audit_events").Where("action = ? AND subject_id = ?", "registration.withdraw", reg.USCC).Count(&n)
		if n != 1 {
			t.Fatalf("%d withdrawal audit records, want 1", n)
		}
	})

	t.Run("CompensationFailsTooIsReturned", func(t *testing.T) {
		ops, st, _ := newApp(t)
		if err := st.DB().Exec(`CREATE TRIGGER no_withdrawal BEFORE UPDATE ON registrations
			BEGIN SELECT RAISE(ABORT, 'registrations are read-only'); END`).Error; err != nil {
			t.Fatal(err)
		}
		_, err := ops.Registrations.Report(context.Background(), admin, report)
		// The caller still gets the same 503; the compensation's failure travels with it.
		wantUnavailable(t, err, "登记已记录，但后续跟进流程未能启动，请重新报送")
		if !strings.Contains(err.Error(), "compensating for workflow survey/") || !strings.Contains(err.Error(), "read-only") {
			t.Fatalf("the compensation's error is lost: %v", err)
		}
	})
}

func TestCyclesRun(t *testing.T) {
	t.Run("EngineRefusesFailsThePeriod", func(t *testing.T) {
		ops, st, _ := newApp(t)
		ctx := context.Background()
		run, err := ops.Cycles.Run(ctx, admin, calendar.Monthly, "2026-10")
		wantUnavailable(t, err, "无法启动该周期的流程，请稍后重试")
		p, gerr := st.GetPeriod(ctx, run.ID)
		if gerr != nil || p.Status != "failed" {
			t.Fatalf("period %+v %v, want failed", p, gerr)
		}
	})
	t.Run("ErrPeriodNotEnded", func(t *testing.T) {
		ops, _, eng := newApp(t)
		_, err := ops.Cycles.Run(context.Background(), admin, calendar.Monthly, "2026-11")
		var de *domain.Error
		if !errors.As(err, &de) || de.Code != domain.EINVALID || len(de.Fields) != 1 || de.Fields[0].Field != "period" {
			t.Fatalf("want invalid period, got %v", err)
		}
		if len(eng.started) != 0 {
			t.Fatalf("started %v", eng.started)
		}
	})
}

func TestNoEngine(t *testing.T) {
	st := storetest.SQLite(t)
	ops := app.New(app.Config{Store: st})
	_, err := ops.System.SelfCheck(context.Background())
	wantUnavailable(t, err, "无法启动自检流程")
	if r := ops.System.Ready(context.Background()); !r.Database || r.Engine {
		t.Fatalf("readiness %+v, want database only", r)
	}
}

// township lays out a county, one of its townships and an organization in it.
func township(t *testing.T, st *store.Store) (domain.Unit, string) {
	t.Helper()
	ctx := context.Background()
	county, err := st.CreateUnit(ctx, admin, domain.Unit{Name: "西城县", Net: domain.NetRegion, Kind: domain.KindCounty})
	if err != nil {
		t.Fatal(err)
	}
	town, err := st.CreateUnit(ctx, admin, domain.Unit{Name: "东街道", Net: domain.NetRegion, Kind: domain.KindTownship, ParentID: &county.ID})
	if err != nil {
		t.Fatal(err)
	}
	const uscc = "91350100M000100Y43"
	if err := st.DB().Exec(`INSERT INTO organizations (uscc, name, region_unit_id, region_path, region_owners, created_at, updated_at)
		VALUES (?, '甲公司', ?, ?, 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)`, uscc, town.ID, town.Path).Error; err != nil {
		t.Fatal(err)
	}
	return town, uscc
}

func TestFormationsStart(t *testing.T) {
	t.Run("EngineRefusesFreesTheOrganization", func(t *testing.T) {
		ops, st, eng := newApp(t)
		ctx := context.Background()
		_, uscc := township(t, st)
		start := app.StartFormation{Organization: uscc, Kind: string(domain.KindBranch)}
		f, err := ops.Formations.Start(ctx, admin, start)
		wantUnavailable(t, err, "无法启动组建流程，请稍后重试")
		if got, err := st.GetFormation(ctx, admin, f.ID); err != nil || got.Status != "failed" {
			t.Fatalf("formation %+v %v, want failed", got, err)
		}
		// Free again: a second start is recorded (and refused by the engine), not a conflict.
		_, err = ops.Formations.Start(ctx, admin, start)
		wantUnavailable(t, err, "无法启动组建流程，请稍后重试")
		if len(eng.started) != 2 {
			t.Fatalf("started %v", eng.started)
		}
	})
	t.Run("ErrOrganizationAndOrganizations", func(t *testing.T) {
		ops, _, eng := newApp(t)
		_, err := ops.Formations.Start(context.Background(), admin,
			app.StartFormation{Organization: "91350100M000100Y43", Organizations: []string{"91110108MA01B2C3D0"}, Kind: string(domain.KindBranch)})
		var de *domain.Error
		if !errors.As(err, &de) || de.Code != domain.EINVALID || len(de.Fields) != 1 || de.Fields[0].Field != "organizations" {
			t.Fatalf("want invalid organizations, got %v", err)
		}
		if len(eng.started) != 0 {
			t.Fatalf("started %v", eng.started)
		}
	})
}

func TestCensusRoundsStart(t *testing.T) {
	t.Run("EngineRefusesCancelsTheRound", func(t *testing.T) {
		ops, st, _ := newApp(t)
		ctx := context.Background()
		town, _ := township(t, st)
		r, err := ops.CensusRounds.Start(ctx, admin, app.StartCensusRound{UnitID: town.ID, Select: "all"})
		wantUnavailable(t, err, "无法启动排查流程，请稍后重试")
		if got, err := st.GetRound(ctx, admin, r.ID); err != nil || got.Status != "cancelled" {
			t.Fatalf("round %+v %v, want cancelled", got, err)
		}
	})
}

// TestReadinessDisk: a data folder's disk that is low keeps the process ready, a full one does
// not; without a watch there is no disk in the answer.
func TestReadinessDisk(t *testing.T) {
	for _, c := range []struct {
		name  string
		disk  *diskspace.Status
		ready bool
	}{
		{"not watched", nil, true},
		{"plenty", &diskspace.Status{FreeBytes: 50 << 30}, true},
		{"low", &diskspace.Status{FreeBytes: 900 << 20, Low: true}, true},
		{"full", &diskspace.Status{FreeBytes: 1 << 20, Low: true, Full: true}, false},
	} {
		r := app.Readiness{Database: true, Engine: true, Disk: c.disk}
		if r.Ready() != c.ready {
			t.Fatalf("%s: ready %v", c.name, r.Ready())
		}
	}
	if (app.Readiness{Database: true}).Ready() {
		t.Fatal("ready without an engine")
	}
	st := storetest.SQLite(t)
	status := diskspace.Status{Path: "/data", FreeBytes: 1, Full: true, Low: true}
	ops := app.New(app.Config{Store: st, Disk: func() diskspace.Status { return status }})
	if r := ops.System.Ready(context.Background()); r.Disk == nil || *r.Disk != status {
		t.Fatalf("readiness %+v, want the disk's status", r)
	}
}
