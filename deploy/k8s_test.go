// Package deploy holds the deployment files (Dockerfile, compose, Kubernetes manifests,
// dashboard, alert rules); this test checks the Kubernetes manifests without a cluster.
package deploy

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/yaml"
)

// namespace is where every object lives.
const namespace = "tandem"

// secretVars are the variables that may only come from the Secret, never a literal value
// or the ConfigMap.
var secretVars = map[string]bool{"DATABASE_URL": true, "TANDEM_ADMIN_PASSWORD": true, "TEMPORAL_API_KEY": true}

// kinds maps apiVersion/kind to a fresh typed object; a document of any other kind fails.
var kinds = map[string]func() any{
	"v1/Namespace":                           func() any { return &corev1.Namespace{} },
	"v1/ConfigMap":                           func() any { return &corev1.ConfigMap{} },
	"v1/Secret":                              func() any { return &corev1.Secret{} },
	"v1/Service":                             func() any { return &corev1.Service{} },
	"apps/v1/Deployment":                     func() any { return &appsv1.Deployment{} },
	"batch/v1/Job":                           func() any { return &batchv1.Job{} },
	"autoscaling/v2/HorizontalPodAutoscaler": func() any { return &autoscalingv2.HorizontalPodAutoscaler{} },
	"policy/v1/PodDisruptionBudget":          func() any { return &policyv1.PodDisruptionBudget{} },
	"networking.k8s.io/v1/NetworkPolicy":     func() any { return &networkingv1.NetworkPolicy{} },
}

// manifests is every object of deploy/k8s, decoded.
type manifests struct {
	namespaces  []*corev1.Namespace
	configMaps  map[string]*corev1.ConfigMap
	secrets     map[string]*corev1.Secret
	services    []*corev1.Service
	deployments map[string]*appsv1.Deployment
	jobs        []*batchv1.Job
	hpas        []*autoscalingv2.HorizontalPodAutoscaler
	pdbs        []*policyv1.PodDisruptionBudget
	netpols     []*networkingv1.NetworkPolicy
}

// TestKubernetesManifests decodes every document of deploy/k8s (the applied *.yaml and the
// example Secret) strictly into its Kubernetes API type and checks what a cluster would only
// reveal at rollout: probes, resources, a non-root restricted security context, secrets only
// by reference, variables config.go reads, HPA and PDB targets, metrics ports, one image tag.
func TestKubernetesManifests(t *testing.T) {
	m, err := loadManifests("k8s")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range checkManifests(m, configVars(t)) {
		t.Error(p)
	}
}

// TestKubernetesManifestsCatchBreakage shows the checks bite: each broken copy of a manifest
// must fail to decode or fail a check.
func TestKubernetesManifestsCatchBreakage(t *testing.T) {
	vars := configVars(t)
	cases := []struct{ name, file, old, new, want string }{
		{"unknown field", "30-serve.yaml", "readinessProbe:", "readinesProbe:", "unknown field \"readinesProbe\""},
		{"unknown kind", "00-namespace.yaml", "kind: Namespace", "kind: Namespaces", "unknown kind v1/Namespaces"},
		{"latest image", "40-worker.yaml", "tandem:1.0.0", "tandem:latest", "pin a release tag"},
		{"literal DATABASE_URL", "20-migrate-job.yaml", "valueFrom: {secretKeyRef: {name: tandem, key: DATABASE_URL}}", "value: postgres://u:p@db/tandem", "DATABASE_URL must come from a secretKeyRef"},
		{"unknown variable", "10-config.yaml", "TANDEM_LOG_LEVEL: info", "TANDEM_LOG_LEVLE: info", "TANDEM_LOG_LEVLE is no variable"},
		{"no liveness probe", "40-worker.yaml", "livenessProbe:", "startupProbe:", "needs a readiness and a liveness probe"},
		{"privilege escalation", "30-serve.yaml", "allowPrivilegeEscalation: false", "allowPrivilegeEscalation: true", "allowPrivilegeEscalation must be false"},
		{"HPA target", "40-worker.yaml", "    name: tandem-worker\n  minReplicas", "    name: tandem-serve\n  minReplicas", "want apps/v1 Deployment tandem-worker"},
		{"PDB selector", "30-serve.yaml", "  minAvailable: 1\n  selector:\n    matchLabels: {app.kubernetes.io/name: tandem-serve}", "  minAvailable: 1\n  selector:\n    matchLabels: {app.kubernetes.io/name: tandem-api}", "Deployment tandem-serve: 0 PodDisruptionBudgets"},
		{"two gauges processes", "45-worker-gauges.yaml", "replicas: 1", "replicas: 2", "2 pods have TANDEM_METRICS_DB_GAUGES=true"},
		{"no limits", "20-migrate-job.yaml", "limits: {cpu: \"1\", memory: 512Mi}", "limits: {}", "resources need a cpu request and limit"},
		{"no default deny", "50-network-policy.yaml", "  podSelector: {}\n", "  podSelector: {matchLabels: {app.kubernetes.io/name: tandem-serve}}\n", "no default-deny NetworkPolicy"},
		{"API open to every namespace", "50-network-policy.yaml", "matchLabels: {kubernetes.io/metadata.name: ingress-nginx}", "matchLabels: {}", "selects namespaces by mutable labels"},
		{"worker reachable on the API port", "50-network-policy.yaml", "values: [tandem-serve, tandem-worker, tandem-worker-gauges]}\n  policyTypes: [Ingress]\n  ingress:\n    - from:\n        - namespaceSelector:\n            matchLabels: {kubernetes.io/metadata.name: monitoring}\n      ports:\n        - {protocol: TCP, port: metrics}",
			"values: [tandem-serve, tandem-worker, tandem-worker-gauges]}\n  policyTypes: [Ingress]\n  ingress:\n    - from:\n        - namespaceSelector:\n            matchLabels: {kubernetes.io/metadata.name: monitoring}\n      ports:\n        - {protocol: TCP, port: metrics}\n        - {protocol: TCP, port: 8080}", "Deployment tandem-worker: NetworkPolicies let in"},
		{"no DNS", "50-network-policy.yaml", "        - {protocol: UDP, port: 53}\n", "", "missing namespace kube-system pods k8s-app=kube-dns:UDP/53"},
		{"Temporal port", "50-network-policy.yaml", "        - {protocol: TCP, port: 7233}", "        - {protocol: TCP, port: 7234}", "missing namespace temporal:TCP/7233"},
		{"unknown field in a policy", "50-network-policy.yaml", "policyTypes: [Egress]", "policyType: [Egress]", "unknown field \"policyType\""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			entries, err := os.ReadDir("k8s")
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range entries {
				raw, err := os.ReadFile(filepath.Join("k8s", e.Name()))
				if err != nil {
					t.Fatal(err)
				}
				if e.Name() == c.file {
					if !bytes.Contains(raw, []byte(c.old)) {
						t.Fatalf("%s no longer contains %q; update the case", c.file, c.old)
					}
					raw = bytes.Replace(raw, []byte(c.old), []byte(c.new), 1)
				}
				if err := os.WriteFile(filepath.Join(dir, e.Name()), raw, 0o600); err != nil {
					t.Fatal(err)
				}
			}
			var problems []string
			m, err := loadManifests(dir)
			if err != nil {
				problems = []string{err.Error()}
			} else {
				problems = checkManifests(m, vars)
			}
			if !slices.ContainsFunc(problems, func(p string) bool { return strings.Contains(p, c.want) }) {
				t.Fatalf("want a problem saying %q, got %q", c.want, problems)
			}
		})
	}
}

// configVars is every variable cmd/tandem/config.go reads (as TestEnvExampleMatchesConfig
// finds them).
func configVars(t *testing.T) map[string]bool {
	t.Helper()
	src, err := os.ReadFile("../cmd/tandem/config.go")
	if err != nil {
		t.Fatal(err)
	}
	read := map[string]bool{}
	for _, m := range regexp.MustCompile(`"((?:TANDEM|TEMPORAL|DATABASE)_[A-Z_]+)"`).FindAllStringSubmatch(string(src), -1) {
		read[m[1]] = true
	}
	if !read["DATABASE_URL"] || !read["TANDEM_METRICS_ADDR"] {
		t.Fatalf("config.go variables not found: %v", read)
	}
	return read
}

// loadManifests decodes every document of dir's *.yaml and *.yaml.example files strictly:
// an unknown field, a duplicate key or an unknown kind is an error.
func loadManifests(dir string) (*manifests, error) {
	m := &manifests{configMaps: map[string]*corev1.ConfigMap{}, secrets: map[string]*corev1.Secret{}, deployments: map[string]*appsv1.Deployment{}}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var files int
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".yaml") && !strings.HasSuffix(e.Name(), ".yaml.example") {
			return nil, fmt.Errorf("%s: not a manifest (*.yaml, or *.yaml.example for examples kubectl skips)", e.Name())
		}
		files++
		raw, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		for i, doc := range regexp.MustCompile(`(?m)^---\s*$`).Split(string(raw), -1) {
			if strings.TrimSpace(regexp.MustCompile(`(?m)^\s*#.*$`).ReplaceAllString(doc, "")) == "" {
				continue
			}
			where := fmt.Sprintf("%s document %d", e.Name(), i+1)
			var tm metav1.TypeMeta
			if err := yaml.Unmarshal([]byte(doc), &tm); err != nil {
				return nil, fmt.Errorf("%s: %w", where, err)
			}
			newObj, ok := kinds[tm.APIVersion+"/"+tm.Kind]
			if !ok {
				return nil, fmt.Errorf("%s: unknown kind %s/%s", where, tm.APIVersion, tm.Kind)
			}
			obj := newObj()
			if err := yaml.UnmarshalStrict([]byte(doc), obj); err != nil {
				return nil, fmt.Errorf("%s: %w", where, err)
			}
			switch o := obj.(type) {
			case *corev1.Namespace:
				m.namespaces = append(m.namespaces, o)
			case *corev1.ConfigMap:
				m.configMaps[o.Name] = o
			case *corev1.Secret:
				m.secrets[o.Name] = o
			case *corev1.Service:
				m.services = append(m.services, o)
			case *appsv1.Deployment:
				if m.deployments[o.Name] != nil {
					return nil, fmt.Errorf("%s: a second Deployment %s", where, o.Name)
				}
				m.deployments[o.Name] = o
			case *batchv1.Job:
				m.jobs = append(m.jobs, o)
			case *autoscalingv2.HorizontalPodAutoscaler:
				m.hpas = append(m.hpas, o)
			case *policyv1.PodDisruptionBudget:
				m.pdbs = append(m.pdbs, o)
			case *networkingv1.NetworkPolicy:
				m.netpols = append(m.netpols, o)
			}
		}
	}
	if files == 0 {
		return nil, fmt.Errorf("%s: no manifests", dir)
	}
	return m, nil
}

// checkManifests returns every problem found, each naming its object.
func checkManifests(m *manifests, vars map[string]bool) []string {
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }

	if len(m.namespaces) != 1 || m.namespaces[0].Name != namespace {
		bad("want exactly one Namespace %q", namespace)
	}
	objects := []metav1.Object{}
	for _, o := range m.configMaps {
		objects = append(objects, o)
	}
	for _, o := range m.secrets {
		objects = append(objects, o)
	}
	for _, o := range m.services {
		objects = append(objects, o)
	}
	for _, o := range m.deployments {
		objects = append(objects, o)
	}
	for _, o := range m.jobs {
		objects = append(objects, o)
	}
	for _, o := range m.hpas {
		objects = append(objects, o)
	}
	for _, o := range m.pdbs {
		objects = append(objects, o)
	}
	for _, o := range m.netpols {
		objects = append(objects, o)
	}
	for _, o := range objects {
		if o.GetNamespace() != namespace {
			bad("%s: namespace %q, want %q", o.GetName(), o.GetNamespace(), namespace)
		}
	}

	// The ConfigMap: known, non-secret variables; TANDEM_METRICS_ADDR gives the metrics port.
	cm := m.configMaps["tandem"]
	if cm == nil {
		bad("no ConfigMap tandem")
		cm = &corev1.ConfigMap{}
	}
	for k := range cm.Data {
		if !vars[k] {
			bad("ConfigMap %s: %s is no variable cmd/tandem/config.go reads", cm.Name, k)
		}
		if secretVars[k] {
			bad("ConfigMap %s: %s belongs in the Secret", cm.Name, k)
		}
	}
	metricsPort := addrPort(cm.Data["TANDEM_METRICS_ADDR"])
	if metricsPort == 0 {
		bad("ConfigMap %s: TANDEM_METRICS_ADDR %q has no port: /metrics would be off", cm.Name, cm.Data["TANDEM_METRICS_ADDR"])
	}
	apiPort := addrPort(cm.Data["TANDEM_ADDR"])
	if apiPort == 0 {
		bad("ConfigMap %s: TANDEM_ADDR %q has no port", cm.Name, cm.Data["TANDEM_ADDR"])
	}

	// The Secret is an example: placeholders only, and only variables config.go reads.
	secret := m.secrets["tandem"]
	if secret == nil {
		bad("no example Secret tandem")
		secret = &corev1.Secret{}
	}
	for k, v := range secret.StringData {
		if !vars[k] {
			bad("Secret %s: %s is no variable cmd/tandem/config.go reads", secret.Name, k)
		}
		if !strings.Contains(v, "REPLACE-ME") {
			bad("Secret %s: %s is not a placeholder (REPLACE-ME): real secrets are never committed", secret.Name, k)
		}
	}
	if len(secret.Data) > 0 {
		bad("Secret %s: use stringData placeholders, not data", secret.Name)
	}

	// Pod templates: every container of the Deployments and the Job.
	images := map[string][]string{}
	type pod struct {
		name      string
		spec      corev1.PodSpec
		longLived bool
	}
	var pods []pod
	for _, d := range sortedDeployments(m) {
		pods = append(pods, pod{"Deployment " + d.Name, d.Spec.Template.Spec, true})
	}
	for _, j := range m.jobs {
		pods = append(pods, pod{"Job " + j.Name, j.Spec.Template.Spec, false})
	}
	for _, p := range pods {
		spec := p.spec
		if spec.AutomountServiceAccountToken == nil || *spec.AutomountServiceAccountToken {
			bad("%s: automountServiceAccountToken must be false (Tandem never calls the Kubernetes API)", p.name)
		}
		if len(spec.InitContainers) > 0 || len(spec.EphemeralContainers) > 0 {
			bad("%s: init or ephemeral containers are not checked here; add them to the test", p.name)
		}
		if len(spec.Containers) == 0 {
			bad("%s: no containers", p.name)
		}
		for _, c := range spec.Containers {
			where := fmt.Sprintf("%s container %s", p.name, c.Name)
			images[c.Image] = append(images[c.Image], where)
			problems = append(problems, checkSecurity(where, spec.SecurityContext, c.SecurityContext)...)
			for _, r := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
				req, okReq := c.Resources.Requests[r]
				lim, okLim := c.Resources.Limits[r]
				if !okReq || !okLim || req.IsZero() || lim.IsZero() {
					bad("%s: resources need a %s request and limit", where, r)
				} else if req.Cmp(lim) > 0 {
					bad("%s: %s request %s above its limit %s", where, r, req.String(), lim.String())
				}
			}
			if len(c.Command) > 0 {
				bad("%s: command overrides the image's entrypoint (/usr/local/bin/tandem); use args", where)
			}
			if len(c.Args) == 0 || !slices.Contains([]string{"serve", "worker", "migrate"}, c.Args[0]) {
				bad("%s: args %v is no tandem subcommand for a cluster (serve, worker, migrate)", where, c.Args)
			}
			for _, e := range c.Env {
				if !vars[e.Name] {
					bad("%s: env %s is no variable cmd/tandem/config.go reads", where, e.Name)
				}
				switch {
				case secretVars[e.Name] && (e.ValueFrom == nil || e.ValueFrom.SecretKeyRef == nil):
					bad("%s: %s must come from a secretKeyRef, not a literal value", where, e.Name)
				case strings.Contains(e.Value, "://") && strings.Contains(e.Value, "@"):
					bad("%s: %s holds credentials in a literal value", where, e.Name)
				}
				if e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil {
					ref := e.ValueFrom.SecretKeyRef
					if ref.Name != secret.Name {
						bad("%s: %s from Secret %q, want %q", where, e.Name, ref.Name, secret.Name)
					} else if _, ok := secret.StringData[ref.Key]; !ok {
						bad("%s: %s from key %s the example Secret lacks", where, e.Name, ref.Key)
					}
				}
			}
			for _, ef := range c.EnvFrom {
				switch {
				case ef.ConfigMapRef != nil && m.configMaps[ef.ConfigMapRef.Name] == nil:
					bad("%s: envFrom ConfigMap %q is not among the manifests", where, ef.ConfigMapRef.Name)
				case ef.SecretRef != nil && m.secrets[ef.SecretRef.Name] == nil:
					bad("%s: envFrom Secret %q is not among the manifests", where, ef.SecretRef.Name)
				case ef.Prefix != "":
					bad("%s: envFrom prefix %q renames the variables", where, ef.Prefix)
				}
			}
			if !p.longLived {
				continue
			}
			ports := map[string]int32{}
			for _, port := range c.Ports {
				ports[port.Name] = port.ContainerPort
			}
			if c.ReadinessProbe == nil || c.LivenessProbe == nil {
				bad("%s: needs a readiness and a liveness probe", where)
			}
			for kind, probe := range map[string]*corev1.Probe{"readiness": c.ReadinessProbe, "liveness": c.LivenessProbe, "startup": c.StartupProbe} {
				if probe == nil {
					continue
				}
				if g := probe.HTTPGet; g != nil && g.Port.Type == intstr.String && ports[g.Port.StrVal] == 0 {
					bad("%s: %s probe on port %q the container does not name", where, kind, g.Port.StrVal)
				}
				if probe.HTTPGet == nil && probe.Exec == nil {
					bad("%s: %s probe is neither httpGet nor exec", where, kind)
				}
			}
			// /metrics: a named port at TANDEM_METRICS_ADDR's, and the scrape annotations.
			if ports["metrics"] != int32(metricsPort) {
				bad("%s: port \"metrics\" is %d, TANDEM_METRICS_ADDR says %d", where, ports["metrics"], metricsPort)
			}
		}
	}
	for _, d := range sortedDeployments(m) {
		a := d.Spec.Template.Annotations
		if a["prometheus.io/scrape"] != "true" || a["prometheus.io/port"] != strconv.Itoa(metricsPort) || a["prometheus.io/path"] != "/metrics" {
			bad("Deployment %s: pod annotations %v, want prometheus.io/scrape \"true\", port %d, path /metrics", d.Name, a, metricsPort)
		}
		sel, err := metav1.LabelSelectorAsSelector(d.Spec.Selector)
		if err != nil || sel.Empty() || !sel.Matches(labels.Set(d.Spec.Template.Labels)) {
			bad("Deployment %s: selector %v does not select its own pods %v", d.Name, d.Spec.Selector, d.Spec.Template.Labels)
		}
	}

	// One pinned image everywhere.
	if len(images) != 1 {
		bad("containers use %d images, want one: %v", len(images), images)
	}
	for image := range images {
		name, tag, _ := strings.Cut(image[strings.LastIndex(image, "/")+1:], ":")
		if name == "" || tag == "" || tag == "latest" {
			bad("image %q: pin a release tag (not :latest, not untagged)", image)
		}
	}

	// serve: two replicas behind the Service, ready on /readyz, alive on /healthz.
	serve := m.deployments["tandem-serve"]
	if serve == nil {
		bad("no Deployment tandem-serve")
	} else {
		if serve.Spec.Replicas == nil || *serve.Spec.Replicas < 2 {
			bad("Deployment tandem-serve: want at least 2 replicas")
		}
		for _, c := range serve.Spec.Template.Spec.Containers {
			if c.ReadinessProbe == nil || c.ReadinessProbe.HTTPGet == nil || c.ReadinessProbe.HTTPGet.Path != "/readyz" {
				bad("Deployment tandem-serve container %s: readiness must be httpGet /readyz", c.Name)
			}
			if c.LivenessProbe == nil || c.LivenessProbe.HTTPGet == nil || c.LivenessProbe.HTTPGet.Path != "/healthz" {
				bad("Deployment tandem-serve container %s: liveness must be httpGet /healthz", c.Name)
			}
			if !slices.ContainsFunc(c.Ports, func(p corev1.ContainerPort) bool { return p.Name == "http" && p.ContainerPort == int32(apiPort) }) {
				bad("Deployment tandem-serve container %s: port \"http\" must be TANDEM_ADDR's %d", c.Name, apiPort)
			}
		}
	}
	if m.deployments["tandem-worker"] == nil {
		bad("no Deployment tandem-worker")
	}

	// The database gauges: exactly one process has them on (docs/operations.md "Metrics"),
	// in a Deployment of one replica that the HPA does not scale and a rollout does not double.
	if _, ok := cm.Data["TANDEM_METRICS_DB_GAUGES"]; ok {
		bad("ConfigMap %s: TANDEM_METRICS_DB_GAUGES would turn the gauges on in every pod", cm.Name)
	}
	gauges := 0
	for _, d := range sortedDeployments(m) {
		on := false
		for _, c := range d.Spec.Template.Spec.Containers {
			for _, e := range c.Env {
				on = on || (e.Name == "TANDEM_METRICS_DB_GAUGES" && e.Value == "true")
			}
		}
		if !on {
			continue
		}
		replicas := int32(1)
		if d.Spec.Replicas != nil {
			replicas = *d.Spec.Replicas
		}
		gauges += int(replicas)
		if d.Spec.Strategy.Type != appsv1.RecreateDeploymentStrategyType {
			bad("Deployment %s: the gauges process needs strategy Recreate (a rolling update runs two)", d.Name)
		}
		for _, h := range m.hpas {
			if h.Spec.ScaleTargetRef.Name == d.Name {
				bad("Deployment %s: the gauges process must not be autoscaled", d.Name)
			}
		}
	}
	if gauges != 1 {
		bad("%d pods have TANDEM_METRICS_DB_GAUGES=true, want exactly one", gauges)
	}
	for _, s := range m.services {
		n := 0
		for _, d := range m.deployments {
			if labels.SelectorFromSet(s.Spec.Selector).Matches(labels.Set(d.Spec.Template.Labels)) && len(s.Spec.Selector) > 0 {
				n++
				if d.Name != "tandem-serve" {
					bad("Service %s selects Deployment %s", s.Name, d.Name)
				}
			}
		}
		if n != 1 {
			bad("Service %s: selector %v matches %d Deployments, want tandem-serve", s.Name, s.Spec.Selector, n)
		}
		for _, p := range s.Spec.Ports {
			if p.TargetPort.Type != intstr.String || p.TargetPort.StrVal != "http" {
				bad("Service %s: targetPort %s, want the named port http", s.Name, p.TargetPort.String())
			}
		}
	}

	// The migrate Job.
	if len(m.jobs) != 1 {
		bad("want one Job (tandem migrate up), have %d", len(m.jobs))
	}
	for _, j := range m.jobs {
		if rp := j.Spec.Template.Spec.RestartPolicy; rp != corev1.RestartPolicyNever && rp != corev1.RestartPolicyOnFailure {
			bad("Job %s: restartPolicy %q", j.Name, rp)
		}
		for _, c := range j.Spec.Template.Spec.Containers {
			if !slices.Equal(c.Args, []string{"migrate", "up"}) {
				bad("Job %s container %s: args %v, want [migrate up]", j.Name, c.Name, c.Args)
			}
		}
	}

	// The HPA scales the worker Deployment, and only it.
	if len(m.hpas) != 1 {
		bad("want one HorizontalPodAutoscaler (workers), have %d", len(m.hpas))
	}
	for _, h := range m.hpas {
		ref := h.Spec.ScaleTargetRef
		if ref.APIVersion != "apps/v1" || ref.Kind != "Deployment" || ref.Name != "tandem-worker" {
			bad("HorizontalPodAutoscaler %s targets %s %s %s, want apps/v1 Deployment tandem-worker", h.Name, ref.APIVersion, ref.Kind, ref.Name)
		}
		if h.Spec.MinReplicas == nil || *h.Spec.MinReplicas < 2 || h.Spec.MaxReplicas < *h.Spec.MinReplicas {
			bad("HorizontalPodAutoscaler %s: minReplicas %v, maxReplicas %d: want 2 ≤ min ≤ max", h.Name, h.Spec.MinReplicas, h.Spec.MaxReplicas)
		}
		if len(h.Spec.Metrics) == 0 {
			bad("HorizontalPodAutoscaler %s: no metrics", h.Name)
		}
	}

	// Each Deployment has exactly one PDB, whose selector picks that Deployment's pods only.
	covered := map[string]int{}
	for _, p := range m.pdbs {
		sel, err := metav1.LabelSelectorAsSelector(p.Spec.Selector)
		if err != nil || sel.Empty() {
			bad("PodDisruptionBudget %s: selector %v: %v", p.Name, p.Spec.Selector, err)
			continue
		}
		var matched []string
		for _, d := range m.deployments {
			if sel.Matches(labels.Set(d.Spec.Template.Labels)) {
				matched = append(matched, d.Name)
				covered[d.Name]++
			}
		}
		if len(matched) != 1 {
			bad("PodDisruptionBudget %s: selector %v matches Deployments %v, want exactly one", p.Name, p.Spec.Selector, matched)
		}
		if (p.Spec.MinAvailable == nil) == (p.Spec.MaxUnavailable == nil) {
			bad("PodDisruptionBudget %s: set one of minAvailable and maxUnavailable", p.Name)
		}
	}
	for name := range m.deployments {
		if covered[name] != 1 {
			bad("Deployment %s: %d PodDisruptionBudgets select it, want one", name, covered[name])
		}
	}
	problems = append(problems, checkNetworkPolicies(m, apiPort, metricsPort, addrPort(cm.Data["TEMPORAL_ADDRESS"]))...)
	return problems
}

// checkSecurity wants the restricted profile: non-root, read-only root filesystem, no
// privilege escalation, every capability dropped, the runtime's seccomp profile. Pod-level
// runAsNonRoot and seccompProfile count for the container.
func checkSecurity(where string, pod *corev1.PodSecurityContext, c *corev1.SecurityContext) []string {
	var problems []string
	if c == nil {
		return []string{where + ": no securityContext"}
	}
	nonRoot := c.RunAsNonRoot
	if nonRoot == nil && pod != nil {
		nonRoot = pod.RunAsNonRoot
	}
	if nonRoot == nil || !*nonRoot {
		problems = append(problems, where+": runAsNonRoot must be true")
	}
	if uid := c.RunAsUser; uid != nil && *uid == 0 {
		problems = append(problems, where+": runAsUser 0")
	}
	if pod != nil && pod.RunAsUser != nil && *pod.RunAsUser == 0 {
		problems = append(problems, where+": pod runAsUser 0")
	}
	if c.ReadOnlyRootFilesystem == nil || !*c.ReadOnlyRootFilesystem {
		problems = append(problems, where+": readOnlyRootFilesystem must be true")
	}
	if c.AllowPrivilegeEscalation == nil || *c.AllowPrivilegeEscalation {
		problems = append(problems, where+": allowPrivilegeEscalation must be false")
	}
	if c.Privileged != nil && *c.Privileged {
		problems = append(problems, where+": privileged")
	}
	if c.Capabilities == nil || !slices.Equal(c.Capabilities.Drop, []corev1.Capability{"ALL"}) || len(c.Capabilities.Add) > 0 {
		problems = append(problems, where+": capabilities must drop [ALL] and add none")
	}
	seccomp := c.SeccompProfile
	if seccomp == nil && pod != nil {
		seccomp = pod.SeccompProfile
	}
	if seccomp == nil || seccomp.Type != corev1.SeccompProfileTypeRuntimeDefault {
		problems = append(problems, where+": seccompProfile must be RuntimeDefault")
	}
	return problems
}

// addrPort is the port of a listen address such as 0.0.0.0:9464, or 0.
func addrPort(addr string) int {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return 0
	}
	n, err := strconv.Atoi(port)
	if err != nil || n <= 0 || n > 65535 {
		return 0
	}
	return n
}

func sortedDeployments(m *manifests) []*appsv1.Deployment {
	var names []string
	for name := range m.deployments {
		names = append(names, name)
	}
	sort.Strings(names)
	var out []*appsv1.Deployment
	for _, name := range names {
		out = append(out, m.deployments[name])
	}
	return out
}

// checkNetworkPolicies wants a default deny for the namespace and, per pod template, exactly
// the ingress it needs (serve: its API port from the ingress controller's namespace; serve and
// the workers: the metrics port from the monitoring namespace; the migrate Job: none) and the
// egress every process needs (DNS, PostgreSQL on 5432, Temporal on TEMPORAL_ADDRESS's port),
// with no rule open to every destination or every port.
func checkNetworkPolicies(m *manifests, apiPort, metricsPort, temporalPort int) []string {
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	has := func(np *networkingv1.NetworkPolicy, t networkingv1.PolicyType) bool {
		return slices.Contains(np.Spec.PolicyTypes, t)
	}
	denyAll := false
	for _, np := range m.netpols {
		if len(np.Spec.PodSelector.MatchLabels) == 0 && len(np.Spec.PodSelector.MatchExpressions) == 0 &&
			has(np, networkingv1.PolicyTypeIngress) && has(np, networkingv1.PolicyTypeEgress) && len(np.Spec.Ingress) == 0 && len(np.Spec.Egress) == 0 {
			denyAll = true
		}
	}
	if !denyAll {
		bad("no default-deny NetworkPolicy (empty podSelector, Ingress and Egress, no rules)")
	}
	// peer names a rule's source or destination: the namespace it selects (and pods there).
	peer := func(where string, p networkingv1.NetworkPolicyPeer) string {
		if p.IPBlock != nil {
			if _, n, err := net.ParseCIDR(p.IPBlock.CIDR); err != nil || func() bool { ones, _ := n.Mask.Size(); return ones == 0 }() {
				bad("%s: ipBlock %q opens every address", where, p.IPBlock.CIDR)
			}
			return "ip " + p.IPBlock.CIDR
		}
		if p.NamespaceSelector == nil {
			return "namespace tandem"
		}
		ns := p.NamespaceSelector.MatchLabels["kubernetes.io/metadata.name"]
		if ns == "" {
			bad("%s: a namespaceSelector without kubernetes.io/metadata.name selects namespaces by mutable labels", where)
		}
		if p.PodSelector != nil {
			return "namespace " + ns + " pods " + labels.Set(p.PodSelector.MatchLabels).String()
		}
		return "namespace " + ns
	}
	type pod struct {
		name   string
		labels map[string]string
		ports  map[string]int32
		want   []string // the ingress allowed, as "peer:port"
	}
	var pods []pod
	for _, d := range sortedDeployments(m) {
		p := pod{name: "Deployment " + d.Name, labels: d.Spec.Template.Labels, ports: map[string]int32{},
			want: []string{fmt.Sprintf("namespace monitoring:TCP/%d", metricsPort)}}
		for _, c := range d.Spec.Template.Spec.Containers {
			for _, port := range c.Ports {
				p.ports[port.Name] = port.ContainerPort
			}
		}
		if p.ports["http"] != 0 {
			p.want = append(p.want, fmt.Sprintf("namespace ingress-nginx:TCP/%d", apiPort))
		}
		pods = append(pods, p)
	}
	for _, j := range m.jobs {
		pods = append(pods, pod{name: "Job " + j.Name, labels: j.Spec.Template.Labels, ports: map[string]int32{}})
	}
	for _, p := range pods {
		var ingress, egress []string
		for _, np := range m.netpols {
			sel, err := metav1.LabelSelectorAsSelector(&np.Spec.PodSelector)
			if err != nil {
				bad("NetworkPolicy %s: podSelector: %v", np.Name, err)
				continue
			}
			if !sel.Matches(labels.Set(p.labels)) {
				continue
			}
			where := "NetworkPolicy " + np.Name
			expand := func(peers []networkingv1.NetworkPolicyPeer, ports []networkingv1.NetworkPolicyPort) []string {
				if len(peers) == 0 || len(ports) == 0 {
					bad("%s: a rule without peers or ports opens everything to %s", where, p.name)
					return nil
				}
				var out []string
				for _, pe := range peers {
					for _, po := range ports {
						proto, number := corev1.ProtocolTCP, int32(0)
						if po.Protocol != nil {
							proto = *po.Protocol
						}
						switch {
						case po.Port == nil || po.EndPort != nil:
							bad("%s: a rule for a range of ports or every port", where)
						case po.Port.Type == intstr.String:
							number = p.ports[po.Port.StrVal] // a named port resolves on the pod it reaches
						default:
							number = po.Port.IntVal
						}
						out = append(out, fmt.Sprintf("%s:%s/%d", peer(where, pe), proto, number))
					}
				}
				return out
			}
			if has(np, networkingv1.PolicyTypeIngress) {
				for _, r := range np.Spec.Ingress {
					ingress = append(ingress, expand(r.From, r.Ports)...)
				}
			}
			if has(np, networkingv1.PolicyTypeEgress) {
				for _, r := range np.Spec.Egress {
					egress = append(egress, expand(r.To, r.Ports)...)
				}
			}
		}
		sort.Strings(ingress)
		sort.Strings(p.want)
		if !slices.Equal(slices.Compact(ingress), p.want) {
			bad("%s: NetworkPolicies let in %v, want exactly %v", p.name, ingress, p.want)
		}
		for _, want := range []string{"namespace kube-system pods k8s-app=kube-dns:UDP/53", "namespace kube-system pods k8s-app=kube-dns:TCP/53",
			"namespace postgres:TCP/5432", fmt.Sprintf("namespace temporal:TCP/%d", temporalPort)} {
			if !slices.Contains(egress, want) {
				bad("%s: NetworkPolicies let out %v, missing %s", p.name, egress, want)
			}
		}
	}
	return problems
}
