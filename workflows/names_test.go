package workflows_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"tandem/workflows"
)

// TestWorkflowNames keeps every workflow registered under its named constant, the constant equal
// to the function's name (the name the recorded histories and running workflows carry), and no
// workflow function left out of Definitions.
func TestWorkflowNames(t *testing.T) {
	defined := map[string]bool{}
	for _, d := range workflows.Definitions() {
		fn := runtime.FuncForPC(reflect.ValueOf(d.Workflow).Pointer()).Name()
		if got := fn[strings.LastIndex(fn, ".")+1:]; got != d.Name {
			t.Errorf("%s is registered as %q: renaming a workflow breaks its running instances; keep the name", got, d.Name)
		}
		if defined[d.Name] {
			t.Errorf("%s is defined twice", d.Name)
		}
		defined[d.Name] = true
	}

	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	found := 0
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, decl := range f.Decls {
			fd, ok := decl.(*ast.FuncDecl)
			if !ok || fd.Recv != nil || !fd.Name.IsExported() || len(fd.Type.Params.List) == 0 {
				continue
			}
			sel, ok := fd.Type.Params.List[0].Type.(*ast.SelectorExpr)
			if !ok || sel.Sel.Name != "Context" || sel.X.(*ast.Ident).Name != "workflow" || !strings.HasSuffix(fd.Name.Name, "Workflow") {
				continue
			}
			found++
			if !defined[fd.Name.Name] {
				t.Errorf("%s is not in workflows.Definitions: give it a name constant and register it", fd.Name.Name)
			}
		}
	}
	if found != len(defined) {
		t.Errorf("%d workflow functions, %d definitions", found, len(defined))
	}
}
