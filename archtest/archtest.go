// Package archtest holds the dependency rule of design.md (cmd → api / workflows / activities /
// store → domain) as data and a checker over direct imports; its test runs the checker on the
// real import graph from `go list`. Direct imports, not the closure: the closure of workflows
// always reaches store through activities, and that is allowed.
package archtest

import (
	"slices"
	"sort"
	"strings"
)

// Graph maps an import path to the import paths it imports directly.
type Graph map[string][]string

// A Rule forbids packages matching Packages from importing paths matching Forbidden, unless the
// import also matches Allowed. A pattern is an import path, or a path ending in "/..." for
// that path and everything below it.
type Rule struct {
	Name      string
	Packages  string
	Forbidden []string
	Allowed   []string
}

// A Violation is one forbidden direct import.
type Violation struct {
	Rule    string
	Package string
	Import  string
}

func (v Violation) String() string { return v.Package + " imports " + v.Import + " (" + v.Rule + ")" }

// Rules are Tandem's dependency rules (design.md "Shape", issue 16 part 5).
var Rules = []Rule{
	{
		Name:      "domain imports nothing of ours and no gin, GORM or Temporal",
		Packages:  "tandem/domain/...",
		Forbidden: []string{"tandem/...", "github.com/gin-gonic/...", "gorm.io/...", "go.temporal.io/..."},
		Allowed:   []string{"tandem/domain/..."},
	},
	{
		Name:      "workflows import neither store nor api",
		Packages:  "tandem/workflows/...",
		Forbidden: []string{"tandem/store/...", "tandem/api/..."},
	},
	{
		Name:      "store imports neither api, workflows nor activities",
		Packages:  "tandem/store/...",
		Forbidden: []string{"tandem/api/...", "tandem/workflows/...", "tandem/activities/..."},
	},
	{
		Name:      "api imports neither the Temporal client nor GORM",
		Packages:  "tandem/api/...",
		Forbidden: []string{"go.temporal.io/sdk/client", "gorm.io/..."},
	},
}

// Match reports whether path matches pattern (an import path, or one ending in "/...").
func Match(pattern, path string) bool {
	if base, ok := strings.CutSuffix(pattern, "/..."); ok {
		return path == base || strings.HasPrefix(path, base+"/")
	}
	return path == pattern
}

func matchAny(patterns []string, path string) bool {
	return slices.ContainsFunc(patterns, func(p string) bool { return Match(p, path) })
}

// Check returns every direct import in g that breaks one of rules, sorted by package, import
// and rule.
func Check(g Graph, rules []Rule) []Violation {
	var out []Violation
	for pkg, imports := range g {
		for _, r := range rules {
			if !Match(r.Packages, pkg) {
				continue
			}
			for _, imp := range imports {
				if matchAny(r.Forbidden, imp) && !matchAny(r.Allowed, imp) {
					out = append(out, Violation{Rule: r.Name, Package: pkg, Import: imp})
				}
			}
		}
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Package != b.Package {
			return a.Package < b.Package
		}
		if a.Import != b.Import {
			return a.Import < b.Import
		}
		return a.Rule < b.Rule
	})
	return out
}

// ParseGoList reads the output of `go list -f '{{.ImportPath}}{{range .Imports}} {{.}}{{end}}'`:
// one package a line, its path then its direct imports, separated by spaces.
func ParseGoList(out string) Graph {
	g := Graph{}
	for line := range strings.Lines(out) {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		g[f[0]] = f[1:]
	}
	return g
}
