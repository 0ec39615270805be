package main_test

import (
	"bytes"
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

type alertRule struct {
	Alert       string            `yaml:"alert"`
	Expr        string            `yaml:"expr"`
	For         string            `yaml:"for"`
	Labels      map[string]string `yaml:"labels"`
	Annotations map[string]string `yaml:"annotations"`
}

// loadAlertRules decodes a Prometheus rule file strictly (an unknown key fails).
func loadAlertRules(t *testing.T, file string) []alertRule {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Groups []struct {
			Name  string      `yaml:"name"`
			Rules []alertRule `yaml:"rules"`
		} `yaml:"groups"`
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	var rules []alertRule
	for _, g := range doc.Groups {
		if g.Name == "" {
			t.Fatalf("%s: a group without a name", file)
		}
		rules = append(rules, g.Rules...)
	}
	return rules
}

// TestDeployObservabilityFiles checks the shape of deploy/alerts.yaml and
// deploy/grafana-dashboard.json (the metric names they use are checked against a running
// binary's /metrics by TestObservabilityEndToEnd).
func TestDeployObservabilityFiles(t *testing.T) {
	rules := loadAlertRules(t, "../../deploy/alerts.yaml")
	names := map[string]bool{}
	for _, r := range rules {
		if r.Alert == "" || names[r.Alert] || strings.TrimSpace(r.Expr) == "" || !balanced(r.Expr) {
			t.Errorf("rule %q: a unique name and a balanced expression are required: %q", r.Alert, r.Expr)
		}
		names[r.Alert] = true
		if s := r.Labels["severity"]; s != "warning" && s != "critical" {
			t.Errorf("rule %s: severity %q, want warning or critical", r.Alert, s)
		}
		if r.Annotations["summary"] == "" || r.Annotations["description"] == "" {
			t.Errorf("rule %s: summary and description are required", r.Alert)
		}
	}
	for _, want := range []string{"TandemOverdueTasksGrowing", "TandemWorkerNotPolling", "TandemRosterImportFailed"} {
		if !names[want] {
			t.Errorf("alerts.yaml lacks %s", want)
		}
	}

	b, err := os.ReadFile("../../deploy/grafana-dashboard.json")
	if err != nil {
		t.Fatal(err)
	}
	type target struct {
		RefID        string            `json:"refId"`
		Datasource   map[string]string `json:"datasource"`
		Expr         string            `json:"expr"`
		LegendFormat string            `json:"legendFormat"`
	}
	var dash struct {
		Title, UID, Description, Timezone, Refresh string
		Tags                                       []string
		SchemaVersion                              int `json:"schemaVersion"`
		Version                                    int
		Editable                                   bool
		Time                                       struct{ From, To string }
		Templating                                 struct {
			List []struct {
				Name, Type, Query, Label string
				Current                  map[string]any
			}
		}
		Annotations struct{ List []any }
		Panels      []struct {
			ID          int                      `json:"id"`
			Type        string                   `json:"type"`
			Title       string                   `json:"title"`
			Description string                   `json:"description"`
			Datasource  map[string]string        `json:"datasource"`
			GridPos     struct{ H, W, X, Y int } `json:"gridPos"`
			FieldConfig map[string]any           `json:"fieldConfig"`
			Options     map[string]any           `json:"options"`
			Targets     []target                 `json:"targets"`
		}
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&dash); err != nil {
		t.Fatalf("grafana-dashboard.json: %v", err)
	}
	if dash.UID == "" || dash.Timezone != "Asia/Shanghai" || len(dash.Panels) < 8 {
		t.Fatalf("dashboard uid %q timezone %q panels %d", dash.UID, dash.Timezone, len(dash.Panels))
	}
	ids := map[int]bool{}
	var all strings.Builder
	for _, p := range dash.Panels {
		if ids[p.ID] || p.Title == "" || len(p.Targets) == 0 || p.Datasource["uid"] != "${datasource}" {
			t.Errorf("panel %d %q: unique id, title, targets and the ${datasource} variable are required", p.ID, p.Title)
		}
		ids[p.ID] = true
		for _, tg := range p.Targets {
			if tg.Expr == "" || !balanced(tg.Expr) || tg.RefID == "" {
				t.Errorf("panel %q: target %q", p.Title, tg.Expr)
			}
			all.WriteString(tg.Expr + "\n")
		}
	}
	// What issue 20 asks the dashboard to show.
	for _, m := range []string{"tandem_http_requests_total", "tandem_http_request_duration_seconds_bucket", "tandem_tasks_active",
		"tandem_tasks_overdue", "temporal_num_pollers", "temporal_workflow_task_execution_latency_seconds_bucket",
		"temporal_workflow_task_schedule_to_start_latency_seconds_bucket", "tandem_roster_imports", "tandem_roster_import_rows_per_second",
		"temporal_activity_execution_failed_total"} {
		if !strings.Contains(all.String(), m) {
			t.Errorf("the dashboard has no panel on %s", m)
		}
	}
}

// balanced reports whether an expression's brackets pair up.
func balanced(expr string) bool {
	var stack []rune
	pairs := map[rune]rune{')': '(', ']': '[', '}': '{'}
	for _, r := range expr {
		switch r {
		case '(', '[', '{':
			stack = append(stack, r)
		case ')', ']', '}':
			if len(stack) == 0 || stack[len(stack)-1] != pairs[r] {
				return false
			}
			stack = stack[:len(stack)-1]
		}
	}
	return len(stack) == 0 && !slices.Contains([]string{"", " "}, expr)
}
