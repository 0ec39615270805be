// Package embeddedtemporal runs a Temporal server inside the Tandem process, on SQLite, for
// `tandem dev`. It follows the shape of the Temporal CLI's dev server (the reference that
// Temporal's docs recommend for embedding) and is for development and single-machine use only;
// production runs against a Temporal cluster.
package embeddedtemporal

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"

	uiserver "github.com/temporalio/ui-server/v2/server"
	uiconfig "github.com/temporalio/ui-server/v2/server/config"
	uiserveroptions "github.com/temporalio/ui-server/v2/server/server_options"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/server/common/cluster"
	"go.temporal.io/server/common/config"
	"go.temporal.io/server/common/dynamicconfig"
	"go.temporal.io/server/common/log"
	"go.temporal.io/server/common/membership/static"
	sqliteplugin "go.temporal.io/server/common/persistence/sql/sqlplugin/sqlite"
	"go.temporal.io/server/common/primitives"
	sqliteschema "go.temporal.io/server/schema/sqlite"
	"go.temporal.io/server/temporal"
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
}

// Server is a running embedded Temporal server.
type Server struct {
	server   temporal.Server
	ui       *uiserver.Server
	hostPort string
	uiURL    string
}

// UIURL is the address of the Temporal Web UI, or "" without one.
func (s *Server) UIURL() string { return s.uiURL }

// HostPort is the frontend address clients dial.
func (s *Server) HostPort() string { return s.hostPort }

// Stop shuts the server down.
func (s *Server) Stop() {
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
		conf.ConnectAttributes = map[string]string{"mode": "rwc", "journal_mode": "WAL", "synchronous": "NORMAL"}
		conf.DatabaseName = opts.DatabaseFile
		if _, err := os.Stat(opts.DatabaseFile); errors.Is(err, os.ErrNotExist) {
			if err := os.MkdirAll(filepath.Dir(opts.DatabaseFile), 0o750); err != nil {
				return nil, fmt.Errorf("embeddedtemporal: data folder: %w", err)
			}
			if err := sqliteschema.SetupSchema(conf); err != nil {
				return nil, fmt.Errorf("embeddedtemporal: set up schema: %w", err)
			}
		}
	}
	ns, err := sqliteschema.NewNamespaceConfig(clusterName, opts.Namespace, false, opts.SearchAttributes)
	if err != nil {
		return nil, fmt.Errorf("embeddedtemporal: namespace config: %w", err)
	}
	if err := sqliteschema.CreateNamespaces(conf, ns); err != nil {
		return nil, fmt.Errorf("embeddedtemporal: create namespace: %w", err)
	}
	return conf, nil
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
