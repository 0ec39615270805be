package store_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"tandem/domain"
	"tandem/store"
	"tandem/store/storetest"
)

// TestLetterNumber: a prompt letter's number is issued once, the next of the issuing unit's year,
// and kept when the letter is printed again; a unit's 文号 prefix is set through ChangeUnit and
// a bad one refused naming doc_prefix.
func TestLetterNumber(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		_, a, _, _ := nets(t, st)
		report := func(uscc string) store.Registration {
			t.Helper()
			r, err := st.ReportRegistration(ctx, "admin", store.RegistrationReport{USCC: uscc, Name: "新设科技有限公司", Township: a.Name, Event: "new"},
				st.Now().Add(24*time.Hour))
			if err != nil {
				t.Fatal(err)
			}
			return r
		}
		first, second := report("91350100M000100Y43"), report("91110108MA01B2C3D0")
		year := first.CreatedAt.In(time.FixedZone("CST", 8*3600)).Year()
		for i, tc := range []struct {
			reg  store.Registration
			want int
		}{{first, 1}, {first, 1}, {second, 2}} {
			reg, _, err := st.GetRegistration(ctx, admin, tc.reg.ID)
			if err != nil {
				t.Fatal(err)
			}
			y, seq, err := st.LetterNumber(ctx, "admin", reg, a)
			if err != nil || y != year || seq != tc.want {
				t.Fatalf("print %d: %d %d %v, want %d %d", i, y, seq, err, year, tc.want)
			}
		}
		bad := "东党建〔"
		if _, err := st.ChangeUnit(ctx, admin, a.ID, store.UnitChange{DocPrefix: &bad}); domain.ErrorCode(err) != domain.EINVALID {
			t.Fatalf("bad prefix: %v", err)
		}
		good := "东党建"
		u, err := st.ChangeUnit(ctx, admin, a.ID, store.UnitChange{DocPrefix: &good})
		if err != nil || u.DocPrefix != good {
			t.Fatalf("prefix %+v %v", u, err)
		}
		if got := domain.DocNumber(u, domain.SeriesLetter, year, 2); got != "东党建提〔"+strconv.Itoa(year)+"〕2号" {
			t.Fatalf("number %s", got)
		}
	})
}
