package archtest_test

import (
	"os/exec"
	"slices"
	"testing"

	"tandem/archtest"
)

// TestCheckSyntheticGraph breaks each rule once in a small graph and expects exactly those
// violations; the clean graph beside it expects none.
func TestCheckSyntheticGraph(t *testing.T) {
	clean := archtest.Graph{
		"tandem/domain":          {"errors", "time", "tandem/domain/vocab"},
		"tandem/domain/vocab":    {"strings"},
		"tandem/store":           {"gorm.io/gorm", "tandem/domain", "github.com/pressly/goose/v3"},
		"tandem/store/storetest": {"gorm.io/driver/postgres", "tandem/store"},
		"tandem/workflows":       {"go.temporal.io/sdk/workflow", "tandem/activities", "tandem/domain"},
		"tandem/activities":      {"tandem/store", "tandem/domain"},
		"tandem/api":             {"github.com/gin-gonic/gin", "go.temporal.io/api/serviceerror", "tandem/app"},
		"tandem/app":             {"go.temporal.io/sdk/client", "tandem/store"},
		"tandem/cmd/tandem":      {"tandem/api", "tandem/workflows", "gorm.io/gorm"},
	}
	if got := archtest.Check(clean, archtest.Rules); len(got) != 0 {
		t.Fatalf("clean graph: got violations %v", got)
	}

	broken := archtest.Graph{
		"tandem/domain":           {"errors", "tandem/calendar", "github.com/gin-gonic/gin", "gorm.io/gorm", "go.temporal.io/sdk/temporal"},
		"tandem/workflows":        {"tandem/store", "tandem/api"},
		"tandem/workflows/census": {"tandem/store/census"},
		"tandem/store":            {"tandem/api", "tandem/workflows", "tandem/activities"},
		"tandem/api":              {"go.temporal.io/sdk/client", "gorm.io/gorm/clause"},
		"tandem/activities":       {"tandem/store", "go.temporal.io/sdk/client"}, // allowed
	}
	want := []archtest.Violation{
		{Package: "tandem/api", Import: "go.temporal.io/sdk/client"},
		{Package: "tandem/api", Import: "gorm.io/gorm/clause"},
		{Package: "tandem/domain", Import: "github.com/gin-gonic/gin"},
		{Package: "tandem/domain", Import: "go.temporal.io/sdk/temporal"},
		{Package: "tandem/domain", Import: "gorm.io/gorm"},
		{Package: "tandem/domain", Import: "tandem/calendar"},
		{Package: "tandem/store", Import: "tandem/activities"},
		{Package: "tandem/store", Import: "tandem/api"},
		{Package: "tandem/store", Import: "tandem/workflows"},
		{Package: "tandem/workflows", Import: "tandem/api"},
		{Package: "tandem/workflows", Import: "tandem/store"},
		{Package: "tandem/workflows/census", Import: "tandem/store/census"},
	}
	got := archtest.Check(broken, archtest.Rules)
	if !equalIgnoringRule(got, want) {
		t.Errorf("broken graph:\n got %v\nwant %v", got, want)
	}
	// Each rule is broken at least once, and each violation names the rule it breaks.
	for _, r := range archtest.Rules {
		if !slices.ContainsFunc(got, func(v archtest.Violation) bool { return v.Rule == r.Name }) {
			t.Errorf("rule %q: no violation reported", r.Name)
		}
	}
}

func equalIgnoringRule(got, want []archtest.Violation) bool {
	return slices.EqualFunc(got, want, func(a, b archtest.Violation) bool {
		return a.Package == b.Package && a.Import == b.Import
	})
}

func TestMatch(t *testing.T) {
	for _, c := range []struct {
		pattern, path string
		want          bool
	}{
		{"gorm.io/...", "gorm.io/gorm", true},
		{"gorm.io/...", "gorm.io", true},
		{"gorm.io/...", "gorm.iox/gorm", false},
		{"tandem/store/...", "tandem/storefront", false},
		{"go.temporal.io/sdk/client", "go.temporal.io/sdk/client", true},
		{"go.temporal.io/sdk/client", "go.temporal.io/sdk/clientx", false},
	} {
		if got := archtest.Match(c.pattern, c.path); got != c.want {
			t.Errorf("Match(%q, %q) = %v, want %v", c.pattern, c.path, got, c.want)
		}
	}
}

// TestDependencyRules checks the real graph: the direct (non-test) imports of every package in
// the module, as `go list` reports them.
func TestDependencyRules(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", "{{.ImportPath}}{{range .Imports}} {{.}}{{end}}", "tandem/...").Output()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			t.Fatalf("go list: %v\n%s", err, ee.Stderr)
		}
		t.Fatalf("go list: %v", err)
	}
	g := archtest.ParseGoList(string(out))
	for _, pkg := range []string{"tandem/domain", "tandem/store", "tandem/workflows", "tandem/api"} {
		if _, ok := g[pkg]; !ok {
			t.Fatalf("go list did not report %s; the rules would check nothing", pkg)
		}
	}
	for _, v := range archtest.Check(g, archtest.Rules) {
		t.Errorf("%s", v)
	}
}
