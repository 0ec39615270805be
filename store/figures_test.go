package store_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"tandem/domain"
	"tandem/store"
	"tandem/store/storetest"
)

// TestBulletinRatesParksAndShanghaiTime: a park is a row of its own (its township's row leaves it
// out and a subtotal follows), every rate carries its numerator and denominator, and the bulletin
// says it is the state at the window close, in Shanghai time (20:21 UTC on 1 December is 04:21 on
// 2 December).
func TestBulletinRatesParksAndShanghaiTime(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		county, a, b, _ := nets(t, st)
		park, err := st.CreateUnit(ctx, admin, domain.Unit{Name: "科技园", Net: domain.NetRegion, Kind: domain.KindPark, ParentID: &a.ID})
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range []struct {
			uscc, coverage string
			unit           domain.Unit
		}{
			{"91350100M000100Y43", "single", a},
			{"91110108MA01B2C3D0", "none", a},
			{"91310000MA1FL0000N", "joint", park},
			{"91440300MA5F00001A", "none", park},
			{"91320500MA1N000022", "none", park},
			{"91330100MA2H00003E", "single", b},
		} {
			if err := st.DB().Exec(`INSERT INTO organizations (uscc, name, region_unit_id, region_path, region_owners, industry_path,
				coverage, operating, created_at, updated_at) VALUES (?, '单位', ?, ?, 1, '', ?, TRUE, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)`,
				o.uscc, o.unit.ID, o.unit.Path, o.coverage).Error; err != nil {
				t.Fatal(err)
			}
		}
		closes := time.Date(2026, 12, 1, 20, 0, 0, 0, time.UTC)
		now := time.Date(2026, 12, 1, 20, 21, 0, 0, time.UTC)
		st.Now = func() time.Time { return now }
		p, _, err := st.OpenPeriod(ctx, "monthly", "2026-11", "manual", "admin", closes.AddDate(0, 0, -7), closes)
		if err != nil {
			t.Fatal(err)
		}
		got, err := st.MakeBulletin(ctx, p.ID, county.ID, "2026-11", "2026-10")
		if err != nil {
			t.Fatal(err)
		}
		type cell struct {
			kind     string
			subtotal bool
			rate     domain.Rate
		}
		want := map[string]cell{
			a.Name + "（不含园区）": {"township", false, domain.RateOf(1, 2)},
			park.Name:         {"park", false, domain.RateOf(1, 3)},
			a.Name + "小计":     {"township", true, domain.RateOf(2, 5)},
			b.Name:            {"township", false, domain.RateOf(1, 1)},
		}
		var names []string
		for _, r := range got.Rows {
			names = append(names, r.Name)
			w, ok := want[r.Name]
			if !ok {
				t.Errorf("unexpected row %q", r.Name)
				continue
			}
			if r.Kind != w.kind || r.Subtotal != w.subtotal || r.Coverage != w.rate || r.CoverageRate != w.rate.Value {
				t.Errorf("row %s: kind %s subtotal %v rate %+v, want %+v", r.Name, r.Kind, r.Subtotal, r.Coverage, w)
			}
		}
		if strings.Join(names, ",") != a.Name+"（不含园区）,"+park.Name+","+a.Name+"小计,"+b.Name {
			t.Errorf("row order %v: the township, its parks, its subtotal", names)
		}
		if got.Total.Coverage != domain.RateOf(3, 6) {
			t.Errorf("total %+v", got.Total.Coverage)
		}
		if got.AsOf.Basis != domain.AsOfPeriodClose || got.AsOf.Period != "2026-11" {
			t.Errorf("as_of %+v: the state at the window close of 2026-11", got.AsOf)
		}
		if !strings.Contains(got.AsOf.Label, "2026年12月2日 04:21") || !strings.Contains(got.AsOf.Label, "2026年11月报送窗口关闭时") {
			t.Errorf("label %q: Shanghai time and the window close", got.AsOf.Label)
		}
		stored, err := st.GetBulletin(ctx, admin, p.ID, county.ID)
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := json.Marshal(stored)
		if !strings.Contains(string(raw), `"at":"2026-12-02T04:21:00+08:00"`) || !strings.Contains(string(raw), `"numerator":2,"denominator":5`) {
			t.Errorf("stored bulletin JSON %s", raw)
		}
	})
}

// TestOldBulletinsStillRead: bulletins stored before as_of said what it is decode, in Shanghai.
func TestOldBulletinsStillRead(t *testing.T) {
	var f store.BulletinFigures
	old := `{"period":"2026-10","as_of":"2026-11-30T20:21:00Z","rows":[{"name":"东街道","operating":4,"single":1,"joint":1,"organization_coverage":0.5}],"total":{}}`
	if err := json.Unmarshal([]byte(old), &f); err != nil {
		t.Fatal(err)
	}
	if f.AsOf.Basis != domain.AsOfNow || !strings.Contains(f.AsOf.Label, "2026年12月1日 04:21") || f.Rows[0].Coverage != domain.RateOf(2, 4) {
		t.Fatalf("%+v", f)
	}
}
