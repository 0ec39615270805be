// Command tandem is the Tandem supervision engine: one binary whose subcommands run everything
// in one process on embedded defaults (dev), or the API (serve) and the Temporal worker
// (worker) as separate production processes, and manage the schema (migrate).
package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	_ "time/tzdata" // the cycle schedules run in Asia/Shanghai, also on hosts without zoneinfo
)

const usage = `tandem: supervision engine for 两新 party-building work

usage:
  tandem dev [--addr 127.0.0.1:8080] [--data ./data] [--temporal-port 7233] [--ui-port 8233]
                  everything in one process: embedded Temporal, SQLite (or DATABASE_URL),
                  worker and API
  tandem serve    HTTP API (PostgreSQL + external Temporal)
  tandem worker   Temporal worker (PostgreSQL + external Temporal)
  tandem migrate up|status|check
                  apply or inspect the schema migrations of DATABASE_URL
  tandem probe URL
                  exit 0 when URL answers 2xx (a healthcheck for images without curl)

Configuration comes from environment variables; see README.md.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(Main(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr))
}

// Main runs one subcommand and returns the exit code. Tests call it directly.
func Main(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	cfg, err := loadConfig(getenv)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}
	log := cfg.logger(stderr)
	slog.SetDefault(log) // the few lines logged through slog's default carry request IDs too
	switch args[0] {
	case "dev":
		err = runDev(ctx, cfg, args[1:], stdout, log)
	case "serve":
		err = runServe(ctx, cfg, log)
	case "worker":
		err = runWorker(ctx, cfg, log)
	case "migrate":
		err = runMigrate(ctx, cfg, args[1:], stdout, log)
	case "probe":
		err = runProbe(ctx, args[1:], stdout)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "unknown command %q\n\n%s", args[0], usage)
		return 2
	}
	if err != nil {
		fmt.Fprintln(stderr, "tandem:", err)
		return 1
	}
	return 0
}
