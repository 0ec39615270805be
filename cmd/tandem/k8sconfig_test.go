package main

import (
	"os"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"
)

// TestKubernetesConfigLoads feeds the settings deploy/k8s gives every container (the ConfigMap
// and the example Secret) to loadConfig: a value it refuses would stop each pod at start.
// deploy/k8s_test.go checks the manifests' structure; this checks the values.
func TestKubernetesConfigLoads(t *testing.T) {
	var cm corev1.ConfigMap
	var secret corev1.Secret
	for file, obj := range map[string]any{"10-config.yaml": &cm, "secret.yaml.example": &secret} {
		raw, err := os.ReadFile("../../deploy/k8s/" + file)
		if err != nil {
			t.Fatal(err)
		}
		if err := yaml.UnmarshalStrict(raw, obj); err != nil {
			t.Fatalf("deploy/k8s/%s: %v", file, err)
		}
	}
	vars := map[string]string{}
	for k, v := range cm.Data {
		vars[k] = v
	}
	for k, v := range secret.StringData {
		vars[k] = v
	}
	c, err := loadConfig(env(vars))
	if err != nil {
		t.Fatalf("deploy/k8s settings refused: %v", err)
	}
	if c.PublicURL == "" || c.DatabaseURL == "" || c.MetricsAddr == "" || !strings.HasPrefix(c.DatabaseURL, "postgres://") {
		t.Errorf("serve needs TANDEM_PUBLIC_URL, a PostgreSQL DATABASE_URL and TANDEM_METRICS_ADDR: %+v", c)
	}
}
