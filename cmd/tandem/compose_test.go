package main_test

import (
	"bufio"
	"bytes"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	enumspb "go.temporal.io/api/enums/v1"
	"gopkg.in/yaml.v3"

	"tandem/workflows"
)

// composeFile is the part of the Compose specification deploy/compose.yaml uses; decoding is
// strict, so a misspelt key fails the test.
type composeFile struct {
	Tandem   yaml.Node                 `yaml:"x-tandem"`
	Services map[string]composeService `yaml:"services"`
	Volumes  map[string]struct{}       `yaml:"volumes"`
}

type composeService struct {
	Image       string            `yaml:"image"`
	Build       *composeBuild     `yaml:"build"`
	Restart     string            `yaml:"restart"`
	Entrypoint  []string          `yaml:"entrypoint"`
	Command     []string          `yaml:"command"`
	Environment map[string]string `yaml:"environment"`
	Ports       []string          `yaml:"ports"`
	Volumes     []string          `yaml:"volumes"`
	DependsOn   map[string]struct {
		Condition string `yaml:"condition"`
	} `yaml:"depends_on"`
	Healthcheck *struct {
		Test        []string `yaml:"test"`
		Interval    string   `yaml:"interval"`
		Timeout     string   `yaml:"timeout"`
		Retries     int      `yaml:"retries"`
		StartPeriod string   `yaml:"start_period"`
	} `yaml:"healthcheck"`
}

type composeBuild struct {
	Context    string `yaml:"context"`
	Dockerfile string `yaml:"dockerfile"`
}

// TestComposeFile checks deploy/compose.yaml without Docker: the production test's shape
// (PostgreSQL, Temporal's schema by the admin tools, the official server, the namespace and
// search attributes, migrate, two serve, two worker), the Temporal images at the server
// version go.mod pins, the server configured by the variables TestProductionCluster gives the
// same binary, Tandem's variables all documented, healthchecks, and a start order that waits
// for each step.
func TestComposeFile(t *testing.T) {
	raw, err := os.ReadFile("../../deploy/compose.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var f composeFile
	dec := yaml.NewDecoder(bytes.NewReader(composeInterpolate(raw)))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		t.Fatalf("deploy/compose.yaml: %v", err)
	}
	var names []string
	for name := range f.Services {
		names = append(names, name)
	}
	sort.Strings(names)
	want := []string{"migrate", "postgres", "serve-a", "serve-b", "temporal", "temporal-namespace", "temporal-schema", "worker-1", "worker-2"}
	if !slices.Equal(names, want) {
		t.Fatalf("services %v, want %v", names, want)
	}
	svc := f.Services

	// The Temporal images: the current ones, at the pinned server version.
	version := strings.TrimPrefix(moduleVersion(t, "go.temporal.io/server"), "v")
	for name, image := range map[string]string{"temporal": "temporalio/server:", "temporal-schema": "temporalio/admin-tools:",
		"temporal-namespace": "temporalio/admin-tools:"} {
		if svc[name].Image != image+version {
			t.Errorf("%s image %q, want %s%s (go.mod pins go.temporal.io/server v%s)", name, svc[name].Image, image, version, version)
		}
	}
	if bytes.Contains(raw, []byte("auto-setup")) {
		t.Error("the deprecated temporalio/auto-setup image is still named")
	}

	// The server: the variables the production test configures the same binary with (but the
	// ports and loopback binding, which the image decides), its dynamic config mounted.
	tmp := svc["temporal"].Environment
	for _, kv := range temporalServerEnv("h", "5432", "u", "p", map[string]string{"temporal": "t", "visibility": "v"}, make([]int, 12), "d") {
		k, _, _ := strings.Cut(kv, "=")
		if _, inherited := os.LookupEnv(k); inherited || strings.HasSuffix(k, "_PORT") && k != "DB_PORT" || strings.Contains(k, "CONNS") ||
			k == "BIND_ON_IP" || k == "TEMPORAL_BROADCAST_ADDRESS" {
			continue
		}
		if tmp[k] == "" {
			t.Errorf("temporal service does not set %s (the production test does)", k)
		}
	}
	if tmp["DB"] != "postgres12" || tmp["POSTGRES_SEEDS"] != "postgres" {
		t.Errorf("temporal persistence %v", tmp)
	}
	if !slices.Contains(svc["temporal"].Volumes, "./temporal-dynamicconfig.yaml:"+tmp["DYNAMIC_CONFIG_FILE_PATH"]+":ro") {
		t.Errorf("dynamic config %s not mounted from ./temporal-dynamicconfig.yaml: %v", tmp["DYNAMIC_CONFIG_FILE_PATH"], svc["temporal"].Volumes)
	}
	if _, err := os.Stat("../../deploy/temporal-dynamicconfig.yaml"); err != nil {
		t.Error(err)
	}

	// The schema job sets up both databases the server names, from the admin tools' schema
	// folders, which exist in the pinned module.
	schema := strings.Join(svc["temporal-schema"].Command, "\n")
	for _, s := range []string{tmp["DBNAME"] + ":temporal", tmp["VISIBILITY_DBNAME"] + ":visibility"} {
		if !strings.Contains(schema, s) {
			t.Errorf("temporal-schema does not set up %s:\n%s", s, schema)
		}
	}
	for _, step := range []string{"create-database", "setup-schema -v 0.0", "update-schema -d \"/etc/temporal/schema/postgresql/v12/"} {
		if !strings.Contains(schema, step) {
			t.Errorf("temporal-schema lacks %q", step)
		}
	}
	for _, dir := range []string{"temporal", "visibility"} {
		if _, err := os.Stat(filepath.Join(buildTemporalSchemaDir(t), dir, "versioned")); err != nil {
			t.Error(err)
		}
	}
	se := svc["temporal-schema"].Environment
	if se["SQL_PLUGIN"] != "postgres12" || se["SQL_HOST"] != "postgres" || se["SQL_USER"] != tmp["POSTGRES_USER"] || se["SQL_PASSWORD"] != tmp["POSTGRES_PWD"] {
		t.Errorf("temporal-schema connection %v vs the server's %v", se, tmp)
	}

	// Tandem: migrate up, two serve, two worker, on the namespace the namespace job creates
	// with every search attribute Tandem sets.
	documented := envExampleKeys(t)
	commands := map[string]int{}
	for _, name := range []string{"migrate", "serve-a", "serve-b", "worker-1", "worker-2"} {
		s := svc[name]
		commands[strings.Join(s.Command, " ")]++
		if s.Image != "tandem:local" || s.Build == nil || s.Build.Dockerfile != "deploy/Dockerfile" {
			t.Errorf("%s image %q build %+v", name, s.Image, s.Build)
		}
		env := s.Environment
		u, err := url.Parse(env["DATABASE_URL"])
		if err != nil {
			t.Fatalf("%s DATABASE_URL %q: %v", name, env["DATABASE_URL"], err)
		}
		if u.Host != "postgres:5432" || u.Path != "/"+svc["postgres"].Environment["POSTGRES_DB"] {
			t.Errorf("%s DATABASE_URL %q", name, env["DATABASE_URL"])
		}
		if pw, _ := u.User.Password(); pw != svc["postgres"].Environment["POSTGRES_PASSWORD"] {
			t.Errorf("%s: the database password differs from the postgres service's", name)
		}
		if env["TEMPORAL_ADDRESS"] != "temporal:7233" {
			t.Errorf("%s TEMPORAL_ADDRESS %q", name, env["TEMPORAL_ADDRESS"])
		}
		if !strings.Contains(strings.Join(svc["temporal-namespace"].Command, ""), "namespace create --namespace "+env["TEMPORAL_NAMESPACE"]+" ") {
			t.Errorf("%s uses namespace %q, which temporal-namespace does not create", name, env["TEMPORAL_NAMESPACE"])
		}
		for k := range env {
			if !documented[k] {
				t.Errorf("%s sets %s, which .env.example does not list", name, k)
			}
		}
		if name != "migrate" {
			for _, dep := range []string{"migrate", "temporal-namespace"} {
				if s.DependsOn[dep].Condition != "service_completed_successfully" {
					t.Errorf("%s does not wait for %s to complete: %v", name, dep, s.DependsOn)
				}
			}
		}
	}
	if commands["migrate up"] != 1 || commands["serve"] != 2 || commands["worker"] != 2 {
		t.Errorf("tandem commands %v, want migrate up ×1, serve ×2, worker ×2", commands)
	}
	ns := strings.Join(svc["temporal-namespace"].Command, "\n")
	for name, typ := range workflows.SearchAttributes() {
		kind := map[enumspb.IndexedValueType]string{enumspb.INDEXED_VALUE_TYPE_KEYWORD: "Keyword"}[typ]
		if kind == "" || !strings.Contains(ns, "--name "+name+" --type "+kind) {
			t.Errorf("temporal-namespace does not create search attribute %s (%s)", name, typ)
		}
	}

	// Healthchecks where a later step waits on them; the APIs' readiness through `tandem
	// probe` (the distroless image has no shell), on loopback-only host ports.
	for _, name := range []string{"postgres", "temporal", "serve-a", "serve-b"} {
		if h := svc[name].Healthcheck; h == nil || len(h.Test) < 2 || h.Interval == "" || h.Retries == 0 {
			t.Errorf("%s healthcheck %+v", name, h)
		}
	}
	for _, name := range []string{"serve-a", "serve-b"} {
		if got := strings.Join(svc[name].Healthcheck.Test, " "); got != "CMD /usr/local/bin/tandem probe http://127.0.0.1:8080/readyz" {
			t.Errorf("%s healthcheck %q", name, got)
		}
		if svc[name].Environment["TANDEM_PUBLIC_URL"] == "" || svc[name].Environment["TANDEM_ADMIN_PASSWORD"] == "" {
			t.Errorf("%s lacks TANDEM_PUBLIC_URL or TANDEM_ADMIN_PASSWORD", name)
		}
	}
	for name, s := range svc {
		for _, p := range s.Ports {
			if !strings.HasPrefix(p, "127.0.0.1:") {
				t.Errorf("%s publishes %s on every interface", name, p)
			}
		}
		for dep, d := range s.DependsOn {
			if _, ok := svc[dep]; !ok {
				t.Errorf("%s depends on unknown service %s", name, dep)
			}
			switch d.Condition {
			case "service_healthy":
				if svc[dep].Healthcheck == nil {
					t.Errorf("%s waits for %s to be healthy, which has no healthcheck", name, dep)
				}
			case "service_completed_successfully":
			default:
				t.Errorf("%s depends on %s with condition %q", name, dep, d.Condition)
			}
		}
	}
	order := map[string]string{"temporal-schema": "postgres", "temporal": "temporal-schema", "temporal-namespace": "temporal", "migrate": "postgres"}
	for name, dep := range order {
		if _, ok := svc[name].DependsOn[dep]; !ok {
			t.Errorf("%s does not wait for %s", name, dep)
		}
	}
}

// composeInterpolate does what Compose does to ${VAR:-default} (the default: the operator's
// environment is not the test's), ${VAR:?message} (a stand-in, "<VAR>": the operator must set
// it) and $$ (a literal $, for the shell inside a container).
func composeInterpolate(raw []byte) []byte {
	const dollar = "\x00"
	s := strings.ReplaceAll(string(raw), "$$", dollar)
	s = regexp.MustCompile(`\$\{([A-Z_][A-Z0-9_]*)(:?[-?])?([^}]*)\}`).ReplaceAllStringFunc(s, func(m string) string {
		sub := regexp.MustCompile(`\$\{([A-Z_][A-Z0-9_]*)(:?[-?])?([^}]*)\}`).FindStringSubmatch(m)
		if strings.HasSuffix(sub[2], "-") {
			return sub[3]
		}
		return "<" + sub[1] + ">"
	})
	return []byte(strings.ReplaceAll(s, dollar, "$"))
}

// moduleVersion reads a module's version from go.mod's require lines.
func moduleVersion(t *testing.T, module string) string {
	t.Helper()
	raw, err := os.ReadFile("../../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^\s*` + regexp.QuoteMeta(module) + `\s+(v\S+)`).FindSubmatch(raw)
	if m == nil {
		t.Fatalf("go.mod does not require %s", module)
	}
	return string(m[1])
}

// buildTemporalSchemaDir is the pinned server module's schema/postgresql/v12 folder.
func buildTemporalSchemaDir(t *testing.T) string {
	t.Helper()
	dir, err := temporalModuleDir()
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Join(dir, "schema", "postgresql", "v12")
}

// envExampleKeys are the variables .env.example lists (commented out or not).
func envExampleKeys(t *testing.T) map[string]bool {
	t.Helper()
	f, err := os.Open("../../.env.example")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	keys := map[string]bool{}
	sc := bufio.NewScanner(f)
	re := regexp.MustCompile(`^#?\s*([A-Z][A-Z0-9_]*)=`)
	for sc.Scan() {
		if m := re.FindStringSubmatch(sc.Text()); m != nil {
			keys[m[1]] = true
		}
	}
	return keys
}
