package main

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestEnvExampleMatchesConfig keeps .env.example true: it names every variable config.go reads
// and no other, each value it sets is one loadConfig accepts, and DATABASE_URL stays commented
// (dev uses it whenever it is set, so a live line would move dev off SQLite).
func TestEnvExampleMatchesConfig(t *testing.T) {
	src, err := os.ReadFile("config.go")
	if err != nil {
		t.Fatal(err)
	}
	read := map[string]bool{}
	for _, m := range regexp.MustCompile(`"((?:TANDEM|TEMPORAL|DATABASE)_[A-Z_]+)"`).FindAllStringSubmatch(string(src), -1) {
		read[m[1]] = true
	}
	example, err := os.ReadFile("../../.env.example")
	if err != nil {
		t.Fatal(err)
	}
	listed, set := map[string]bool{}, map[string]string{}
	line := regexp.MustCompile(`^(#\s*)?([A-Z][A-Z0-9_]+)=(\S*)`)
	for _, l := range strings.Split(string(example), "\n") {
		m := line.FindStringSubmatch(l)
		if m == nil {
			continue
		}
		listed[m[2]] = true
		if m[1] == "" {
			set[m[2]] = m[3]
		}
	}
	var missing, unknown []string
	for k := range read {
		if !listed[k] {
			missing = append(missing, k)
		}
	}
	for k := range listed {
		if !read[k] {
			unknown = append(unknown, k)
		}
	}
	slices.Sort(missing)
	slices.Sort(unknown)
	if len(missing) > 0 || len(unknown) > 0 {
		t.Errorf(".env.example lacks %v and lists %v that config.go does not read", missing, unknown)
	}
	if _, ok := set["DATABASE_URL"]; ok {
		t.Error("DATABASE_URL is set in .env.example: exported as written it silently moves `tandem dev` off SQLite; keep it commented")
	}
	if _, ok := set["TANDEM_TEST_CLOCK"]; ok {
		t.Error("TANDEM_TEST_CLOCK is set in .env.example; it is for tests only")
	}
	if _, err := loadConfig(func(k string) string { return set[k] }); err != nil {
		t.Errorf(".env.example sets a value config.go refuses: %v", err)
	}
	if strings.Contains(string(example), "Copy to .env") {
		t.Error(".env.example tells the reader to copy it to .env, which nothing reads")
	}
}
