package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"

	"tandem/store"
)

// runMigrate applies (up) or reports (status, check) the schema migrations of DATABASE_URL.
func runMigrate(ctx context.Context, cfg Config, args []string, stdout io.Writer, log *slog.Logger) error {
	if len(args) != 1 {
		return errors.New("usage: tandem migrate up|status|check")
	}
	if cfg.DatabaseURL == "" {
		return errors.New("DATABASE_URL is required (postgres://… or the path of a SQLite file)")
	}
	st, err := store.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer st.Close()
	switch args[0] {
	case "up":
		if err := st.Migrate(ctx, log); err != nil {
			return err
		}
		current, _, err := st.SchemaVersions(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "schema at version %d\n", current)
		return nil
	case "status":
		current, expected, err := st.SchemaVersions(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "database %s: schema version %d, this binary expects %d\n", st.Dialect(), current, expected)
		return nil
	case "check":
		return st.CheckSchema(ctx)
	}
	return fmt.Errorf("unknown migrate command %q: use up, status or check", args[0])
}
