package storetest

import (
	"context"
	"strings"
	"testing"

	"tandem/domain"
	"tandem/store"
)

// MergedImport uploads an empty extract of source as p, at the store's now, and merges it: a
// done import that delivers nothing, for tests about who may name which import.
func MergedImport(t testing.TB, st *store.Store, p domain.Principal, source, filename string) store.RosterImport {
	t.Helper()
	ctx := context.Background()
	imp, err := st.CreateImport(ctx, p, source, filename, strings.NewReader("x"), 1<<20, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := st.StartImport(ctx, imp.ID); err != nil {
		t.Fatal(err)
	}
	stager := st.NewStager(ctx, imp)
	if err := stager.Flush(); err != nil {
		t.Fatal(err)
	}
	stager.Close()
	done, err := st.MergeImportGated(ctx, imp.ID, store.ParseCounts{}, 1)
	if err != nil || done.Status != domain.ImportDone {
		t.Fatalf("merge %+v %v", done, err)
	}
	return done
}
