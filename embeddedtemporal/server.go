// Package embeddedtemporal runs a Temporal server inside the Tandem process, on SQLite, for
// `tandem dev`. It follows the shape of the Temporal CLI's dev server (the reference that
// Temporal's docs recommend for embedding) and is for development and single-machine use only;
// production runs against a Temporal cluster.
package embeddedtemporal

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"time"

	uiserver "github.com/temporalio/ui-server/v2/server"
	uiconfig "github.com/temporalio/ui-server/v2/server/config"
	uiserveroptions "github.com/temporalio/ui-server/v2/server/server_options"
	enumspb "go.temporal.io/api/enums/v1"
	namespacepb "go.temporal.io/api/namespace/v1"
	"go.temporal.io/api/workflowservice/v1"
	sdkclient "go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/server/common/cluster"
	"go.temporal.io/server/common/config"
	"go.temporal.io/server/common/dynamicconfig"
	"go.temporal.io/server/common/log"
	"go.temporal.io/server/common/membership/static"
	sqliteplugin "go.temporal.io/server/common/persistence/sql/sqlplugin/sqlite"
	"go.temporal.io/server/common/primitives"
	sqliteschema "go.temporal.io/server/schema/sqlite"
	"go.temporal.io/server/temporal"
	"google.golang.org/protobuf/types/known/durationpb"
)

const (
	host        = "127.0.0.1"
	clusterName = "active"
)

// Options configures the embedded server.
type Options struct {
	// DatabaseFile is the SQLite file holding Temporal's state; empty means in memory.
	DatabaseFile string
	// Port is the frontend gRPC port; 0 picks a free one.
	Port int
	// Namespace is created if missing.
	Namespace string
	// SearchAttributes are registered on the namespace (name → type).
	SearchAttributes map[string]enumspb.IndexedValueType
	// LogLevel of the server's own logs: debug, info, warn, error. Default warn.
	LogLevel string
	// UIPort serves the Temporal Web UI on the loopback address; 0 = no UI.
	UIPort int
	// Retention is how long Temporal keeps a closed workflow's history before deleting it
	// (the namespace's retention, set on every start); 0 = DefaultRetention, at least MinRetention.
	Retention time.Duration
	// VacuumInterval is how often free pages are handed back to the file system (PRAGMA
	// incremental_vacuum, at most VacuumPages a time); 0 = one minute. Only with a DatabaseFile.
	VacuumInterval time.Duration
	// Log receives the vacuum's lines (conversion of an old file, sizes); nil = slog.Default().
	Log *slog.Logger
}

// DefaultRetention is the namespace retention when Options.Retention is 0: a week to look at a
// closed workflow in the Temporal UI, after which its history no longer takes disk space.
const DefaultRetention = 7 * 24 * time.Hour

// MinRetention is the shortest retention accepted (Temporal's own floor for a local namespace
// is an hour; it is lowered here so that a test can watch histories go within minutes).
const MinRetention = time.Minute

// Server is a running embedded Temporal server.
type Server struct {
	server   temporal.Server
	ui       *uiserver.Server
	vacuum   *vacuumer
	hostPort string
	uiURL    string
}

// UIURL is the address of the Temporal Web UI, or "" without one.
func (s *Server) UIURL() string { return s.uiURL }

// HostPort is the frontend address clients dial.
func (s *Server) HostPort() string { return s.hostPort }

// Stop shuts the server down.
func (s *Server) Stop() {
	if s.vacuum != nil {
		s.vacuum.stop()
	}
	if s.ui != nil {
		s.ui.Stop()
	}
	_ = s.server.Stop()
}

// Start sets up the schema and namespace if needed, then starts all Temporal services.
func Start(opts Options) (*Server, error) {
	if opts.Namespace == "" {
		return nil, errors.New("embeddedtemporal: namespace required")
	}
	if opts.LogLevel == "" {
		opts.LogLevel = "warn"
	}
	if opts.Retention == 0 {
		opts.Retention = DefaultRetention
	}
	if opts.Retention < MinRetention {
		return nil, fmt.Errorf("embeddedtemporal: retention %v is shorter than %v", opts.Retention, MinRetention)
	}
	if opts.Log == nil {
		opts.Log = slog.Default()
	}
	ports, err := freePorts(5)
	if err != nil {
		return nil, err
	}
	if opts.Port != 0 {
		ports[0] = opts.Port
	}
	frontend, httpPort := ports[0], ports[1]
	hostPort := fmt.Sprintf("%s:%d", host, frontend)

	sqlConf, err := sqlConfig(opts)
	if err != nil {
		return nil, err
	}

	var conf config.Config
	conf.Global.Membership.MaxJoinDuration = 30e9
	conf.Global.Membership.BroadcastAddress = host
	conf.Persistence.DefaultStore = "sqlite-default"
	conf.Persistence.VisibilityStore = "sqlite-default"
	conf.Persistence.NumHistoryShards = 1
	conf.Persistence.DataStores = map[string]config.DataStore{"sqlite-default": {SQL: sqlConf}}
	conf.ClusterMetadata = &cluster.Config{
		EnableGlobalNamespace:    false,
		FailoverVersionIncrement: 10,
		MasterClusterName:        clusterName,
		CurrentClusterName:       clusterName,
		ClusterInformation: map[string]cluster.ClusterInformation{
			clusterName: {
				Enabled:                true,
				InitialFailoverVersion: 1,
				RPCAddress:             hostPort,
				HTTPAddress:            fmt.Sprintf("%s:%d", host, httpPort),
				ClusterID:              "8f3c1e0a-5b7d-4c2e-9a61-7d2b4e9c0f13", // fixed: one embedded cluster per data folder
			},
		},
	}
	conf.DCRedirectionPolicy.Policy = "noop"
	service := func(port int) config.Service {
		var s config.Service
		s.RPC.GRPCPort = port
		s.RPC.BindOnIP = host
		return s
	}
	fe := service(frontend)
	fe.RPC.HTTPPort = httpPort
	conf.Services = map[string]config.Service{
		"frontend": fe,
		"history":  service(ports[2]),
		"matching": service(ports[3]),
		"worker":   service(ports[4]),
	}
	conf.Archival.History.State = "disabled"
	conf.Archival.Visibility.State = "disabled"
	conf.NamespaceDefaults.Archival.History.State = "disabled"
	conf.NamespaceDefaults.Archival.Visibility.State = "disabled"
	conf.PublicClient.HostPort = hostPort

	local := func(port int) static.Hosts { return static.SingleLocalHost(fmt.Sprintf("%s:%d", host, port)) }
	dyn := dynamicconfig.StaticClient{
		dynamicconfig.HistoryCacheHostLevelMaxSize.Key():                 8096,
		dynamicconfig.FrontendMaxNamespaceVisibilityRPSPerInstance.Key(): 100,
		// New search attributes become visible at once, as in the CLI dev server.
		dynamicconfig.MakeKey("system.forceSearchAttributesCacheRefreshOnRead"): true,
		dynamicconfig.MakeKey("frontend.persistenceMaxQPS"):                     10000,
		dynamicconfig.MakeKey("history.persistenceMaxQPS"):                      45000,
		// Deletion of closed workflows: the namespace may have a retention under Temporal's
		// one-hour floor (tests), and the deletions of a round spread over a tenth of the
		// retention (at most Temporal's default 30 minutes) rather than half an hour.
		dynamicconfig.NamespaceMinRetentionLocal.Key():   MinRetention,
		dynamicconfig.RetentionTimerJitterDuration.Key(): min(30*time.Minute, opts.Retention/10),
	}
	logger := log.NewZapLogger(log.BuildZapLogger(log.Config{Level: opts.LogLevel, Format: "json"}))
	srv, err := temporal.NewServer(
		temporal.WithConfig(&conf),
		temporal.ForServices(temporal.DefaultServices),
		temporal.WithStaticHosts(map[primitives.ServiceName]static.Hosts{
			primitives.FrontendService: local(frontend),
			primitives.HistoryService:  local(ports[2]),
			primitives.MatchingService: local(ports[3]),
			primitives.WorkerService:   local(ports[4]),
		}),
		temporal.WithLogger(logger),
		temporal.WithDynamicConfigClient(dyn),
	)
	if err != nil {
		return nil, fmt.Errorf("embeddedtemporal: build server: %w", err)
	}
	if err := srv.Start(); err != nil {
		return nil, fmt.Errorf("embeddedtemporal: start: %w", err)
	}
	out := &Server{server: srv, hostPort: hostPort}
	if err := setRetention(hostPort, opts.Namespace, opts.Retention, opts.Log); err != nil {
		_ = srv.Stop()
		return nil, err
	}
	if opts.DatabaseFile != "" {
		interval := opts.VacuumInterval
		if interval <= 0 {
			interval = time.Minute
		}
		v, err := startVacuum(opts.DatabaseFile, interval, opts.Log)
		if err != nil {
			_ = srv.Stop()
			return nil, err
		}
		out.vacuum = v
	}
	if opts.UIPort != 0 {
		// The UI server exits the process if it cannot bind, so check the port first.
		l, err := net.Listen("tcp", fmt.Sprintf("%s:%d", host, opts.UIPort))
		if err != nil {
			_ = srv.Stop()
			return nil, fmt.Errorf("embeddedtemporal: Temporal UI port %d: %w", opts.UIPort, err)
		}
		_ = l.Close()
		out.ui = uiserver.NewServer(uiserveroptions.WithConfigProvider(&uiconfig.Config{
			Host: host, Port: opts.UIPort, TemporalGRPCAddress: hostPort, EnableUI: true,
			CORS: uiconfig.CORS{CookieInsecure: true}, HideLogs: true, DisableNewsFetch: true,
		}))
		go func() { _ = out.ui.Start() }()
		out.uiURL = fmt.Sprintf("http://%s:%d", host, opts.UIPort)
	}
	return out, nil
}

// sqlConfig returns the SQLite persistence config, creating the schema on a new file and the
// namespace when missing (both idempotent).
func sqlConfig(opts Options) (*config.SQL, error) {
	conf := &config.SQL{PluginName: sqliteplugin.PluginName}
	if opts.DatabaseFile == "" {
		conf.ConnectAttributes = map[string]string{"mode": "memory", "cache": "shared"}
		conf.DatabaseName = fmt.Sprintf("tandem-%d", os.Getpid())
	} else {
		// WAL + synchronous=NORMAL: several times the throughput of the default rollback
		// journal, still durable across a process crash (not across power loss).
		// auto_vacuum=INCREMENTAL takes effect on a new file (the plugin runs the pragmas on
		// every connection, this one before the schema's first table); busy_timeout lets the
		// server's connection wait for the vacuum's short write transactions (vacuum.go).
		conf.ConnectAttributes = connectAttributes()
		conf.DatabaseName = opts.DatabaseFile
		_, err := os.Stat(opts.DatabaseFile)
		switch {
		case err == nil:
			// A file from before auto_vacuum: one VACUUM converts it, before the server opens it.
			if err := convertToIncrementalVacuum(opts.DatabaseFile, opts.Log); err != nil {
				return nil, err
			}
		case errors.Is(err, os.ErrNotExist):
			if err := os.MkdirAll(filepath.Dir(opts.DatabaseFile), 0o750); err != nil {
				return nil, fmt.Errorf("embeddedtemporal: data folder: %w", err)
			}
			if err := sqliteschema.SetupSchema(conf); err != nil {
				return nil, fmt.Errorf("embeddedtemporal: set up schema: %w", err)
			}
		default:
			return nil, fmt.Errorf("embeddedtemporal: Temporal database file: %w", err)
		}
	}
	ns, err := sqliteschema.NewNamespaceConfig(clusterName, opts.Namespace, false, opts.SearchAttributes)
	if err != nil {
		return nil, fmt.Errorf("embeddedtemporal: namespace config: %w", err)
	}
	ns.Detail.Config.Retention = durationpb.New(opts.Retention)
	if err := sqliteschema.CreateNamespaces(conf, ns); err != nil {
		return nil, fmt.Errorf("embeddedtemporal: create namespace: %w", err)
	}
	return conf, nil
}

// setRetention makes the namespace's retention the configured one: CreateNamespaces leaves an
// existing namespace as it was, so a changed setting reaches it through the frontend.
func setRetention(hostPort, namespace string, retention time.Duration, log *slog.Logger) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	nc, err := sdkclient.NewNamespaceClient(sdkclient.Options{HostPort: hostPort, Logger: sdklog.NewStructuredLogger(log.With("component", "temporal-sdk"))})
	if err != nil {
		return fmt.Errorf("embeddedtemporal: namespace client: %w", err)
	}
	defer nc.Close()
	desc, err := nc.Describe(ctx, namespace)
	if err != nil {
		return fmt.Errorf("embeddedtemporal: describe namespace %s: %w", namespace, err)
	}
	if desc.GetConfig().GetWorkflowExecutionRetentionTtl().AsDuration() == retention {
		return nil
	}
	if err := nc.Update(ctx, &workflowservice.UpdateNamespaceRequest{
		Namespace: namespace,
		Config:    &namespacepb.NamespaceConfig{WorkflowExecutionRetentionTtl: durationpb.New(retention)},
	}); err != nil {
		return fmt.Errorf("embeddedtemporal: set the retention of namespace %s to %v: %w", namespace, retention, err)
	}
	log.Info("Temporal namespace retention changed", "namespace", namespace,
		"from", desc.GetConfig().GetWorkflowExecutionRetentionTtl().AsDuration(), "to", retention)
	return nil
}

// freePorts reserves n distinct free loopback ports. They are released before the server binds
// them, so another process could take one in between; on a laptop that is good enough.
func freePorts(n int) ([]int, error) {
	ports := make([]int, 0, n)
	var listeners []net.Listener
	defer func() {
		for _, l := range listeners {
			_ = l.Close()
		}
	}()
	for range n {
		l, err := net.Listen("tcp", host+":0")
		if err != nil {
			return nil, fmt.Errorf("embeddedtemporal: free port: %w", err)
		}
		listeners = append(listeners, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}
