package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"tandem/domain"
	"tandem/store"
	"tandem/store/storetest"
)

func TestCheckDeliveryRefusesImportFromBeforeWindow(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		// The November window opens on Monday 2 November 2026, 09:00 in Shanghai.
		opens := time.Date(2026, 11, 2, 1, 0, 0, 0, time.UTC)
		now := opens.Add(-3 * 24 * time.Hour)
		st.Now = func() time.Time { return now }
		_, a, _, _ := nets(t, st)
		market, _, liaison, _, _ := departments(t, st, a)
		early := storetest.MergedImport(t, st, liaison, "market", "market-oct.csv") // October's extract, uploaded before the window
		now = opens.Add(time.Hour)
		p, _, err := st.OpenPeriod(ctx, "monthly", "2026-11", "schedule", "schedule", opens, opens.Add(5*24*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		onTime := storetest.MergedImport(t, st, liaison, "market", "market-nov.csv")

		t.Run("ErrImportFromBeforeWindow", func(t *testing.T) {
			for name, err := range map[string]error{
				"check":  st.CheckDelivery(ctx, p.ID, market.ID, "market", early.ID, liaison.Username),
				"record": st.RecordDelivery(ctx, p.ID, market.ID, "market", early.ID, liaison.Username),
			} {
				var de *domain.Error
				if !asDomain(err, &de) || de.Code != domain.EINVALID || len(de.Fields) != 1 || de.Fields[0].Field != "import_id" ||
					!strings.Contains(de.Fields[0].Reason, "报送窗口开启") || !strings.Contains(de.Fields[0].Reason, "2026-11-02 09:00") ||
					!strings.Contains(de.Fields[0].Reason, "2026-10-30 09:00") || !strings.Contains(de.Fields[0].Reason, early.Filename) {
					t.Fatalf("%s: %v %+v", name, err, de)
				}
			}
			if ds, err := st.Deliveries(ctx, p.ID); err != nil || len(ds) != 0 {
				t.Fatalf("a refused delivery was recorded: %+v %v", ds, err)
			}
		})
		t.Run("OKImportInWindow", func(t *testing.T) {
			if err := st.CheckDelivery(ctx, p.ID, market.ID, "market", onTime.ID, liaison.Username); err != nil {
				t.Fatal(err)
			}
			if err := st.RecordDelivery(ctx, p.ID, market.ID, "market", onTime.ID, liaison.Username); err != nil {
				t.Fatal(err)
			}
			if ds, err := st.Deliveries(ctx, p.ID); err != nil || len(ds) != 1 || ds[0].ImportID != onTime.ID {
				t.Fatalf("deliveries %+v %v", ds, err)
			}
		})
	})
}
