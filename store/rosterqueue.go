package store

import (
	"context"
	"encoding/json"
	"strings"

	"gorm.io/gorm"

	"tandem/domain"
)

// Imports of one source merge in the order they were uploaded: each replaces what the source
// says, so a later one must not overtake an earlier one that is still running or held for an
// admin's confirmation. (Merges of different sources run one at a time too, on PostgreSQL
// under an advisory lock, but in any order.)

// ImportTurn returns the earliest unfinished import of the same source uploaded before this
// one ("" when there is none: it is this import's turn). While there is one, the import is
// queued behind it (WaitingFor); when its turn comes it is pending again.
func (s *Store) ImportTurn(ctx context.Context, id string) (string, error) {
	var blocker string
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var imp RosterImport
		if err := tx.Where("id = ?", id).Take(&imp).Error; err != nil {
			return translate(err, "import")
		}
		if imp.Status != domain.ImportPending && imp.Status != domain.ImportQueued {
			return nil // running again after a crash, or already past its turn
		}
		var ids []string
		if err := tx.Model(&RosterImport{}).
			Where("source = ? AND status NOT IN ? AND (created_at < ? OR (created_at = ? AND id < ?))",
				imp.Source, []domain.ImportStatus{domain.ImportDone, domain.ImportFailed, domain.ImportRejected}, imp.CreatedAt, imp.CreatedAt, imp.ID).
			Order("created_at, id").Limit(1).Pluck("id", &ids).Error; err != nil {
			return translate(err, "imports")
		}
		status, waiting := domain.ImportPending, ""
		if len(ids) > 0 {
			blocker, status, waiting = ids[0], domain.ImportQueued, ids[0]
		}
		if imp.Status == status && imp.WaitingFor == waiting {
			return nil
		}
		return translate(tx.Model(&RosterImport{}).Where("id = ?", id).
			Updates(map[string]any{"status": status, "waiting_for": waiting}).Error, "import")
	})
	return blocker, err
}

// QueuedBehind lists the imports queued behind an import, to wake when it finishes.
func (s *Store) QueuedBehind(ctx context.Context, id string) ([]string, error) {
	var ids []string
	err := s.db.WithContext(ctx).Model(&RosterImport{}).Where("waiting_for = ? AND status = ?", id, domain.ImportQueued).
		Order("created_at, id").Pluck("id", &ids).Error
	return ids, translate(err, "imports")
}

// heldParseCounts are the parser's counts an import stored when the gate held it.
func heldParseCounts(imp RosterImport) ParseCounts {
	pc := ParseCounts{Rows: imp.Rows, Accepted: imp.Accepted, Rejected: imp.Rejected, Warnings: imp.Warnings,
		Encoding: imp.Encoding, Sheet: imp.Sheet, HeaderRow: imp.HeaderRow, Mapping: map[string]int{}}
	if imp.Mapping != "" {
		_ = json.Unmarshal([]byte(imp.Mapping), &pc.Mapping)
	}
	return pc
}

// ConfirmHeldImport merges an import the gate held, as an admin confirmed: the organizations
// it leaves out are flagged missing. Confirming a done import again returns it.
func (s *Store) ConfirmHeldImport(ctx context.Context, id, actor, reason string) (RosterImport, error) {
	imp, err := s.ImportByID(ctx, id)
	if err != nil || imp.Status == domain.ImportDone {
		return imp, err
	}
	if imp.Status != domain.ImportAwaitingConfirmation {
		return imp, domain.Errorf(domain.ECONFLICT, "该次导入状态为 %s，不在待确认状态", imp.Status)
	}
	if err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Model(&RosterImport{}).Where("id = ?", id).
			Updates(map[string]any{"decided_by": actor, "decision_reason": reason}).Error; err != nil {
			return translate(err, "import")
		}
		return s.audit(ctx, tx, actor, "roster.confirm_missing", "roster_import", id, "", nil,
			map[string]any{"decision": "confirm", "reason": reason, "missing": imp.Missing, "source_organizations": imp.SourceOrganizations})
	}); err != nil {
		return imp, err
	}
	return s.MergeImport(ctx, id, heldParseCounts(imp))
}

// RejectHeldImport ends an import the gate held, as an admin refused it: nothing merges, and
// its staging table goes. Rejecting it again changes nothing.
func (s *Store) RejectHeldImport(ctx context.Context, id, actor, reason string) (RosterImport, error) {
	var out RosterImport
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var imp RosterImport
		if err := tx.Where("id = ?", id).Take(&imp).Error; err != nil {
			return translate(err, "import")
		}
		switch imp.Status {
		case domain.ImportRejected:
			out = imp
			return nil
		case domain.ImportAwaitingConfirmation:
		default:
			return domain.Errorf(domain.ECONFLICT, "该次导入状态为 %s，不在待确认状态", imp.Status)
		}
		if err := tx.Exec("DROP TABLE IF EXISTS " + quoteIdent(batchTable(id))).Error; err != nil {
			return translate(err, "staging")
		}
		if err := tx.Exec("DELETE FROM roster_fingerprints WHERE import_id = ?", id).Error; err != nil {
			return translate(err, "fingerprints")
		}
		if err := tx.Exec("DROP TABLE IF EXISTS " + quoteIdent(deltaTable(id))).Error; err != nil {
			return translate(err, "staging")
		}
		msg := "管理员驳回，未合并：" + strings.TrimSpace(reason)
		if err := tx.Model(&RosterImport{}).Where("id = ?", id).Updates(map[string]any{"status": domain.ImportRejected,
			"decided_by": actor, "decision_reason": reason, "error": msg, "finished_at": s.Now()}).Error; err != nil {
			return translate(err, "import")
		}
		if err := s.audit(ctx, tx, actor, "roster.confirm_missing", "roster_import", id, "", nil,
			map[string]any{"decision": "reject", "reason": reason, "missing": imp.Missing, "source_organizations": imp.SourceOrganizations}); err != nil {
			return err
		}
		return translate(tx.Where("id = ?", id).Take(&out).Error, "import")
	})
	return out, err
}

// ConfirmationUnit is the unit whose officers confirm a held import (admins may assign the
// task to themselves): the city 两新工委, the root of the region net (the first root by path
// when there are several; a city before a county).
func (s *Store) ConfirmationUnit(ctx context.Context) (domain.Unit, error) {
	var u unitRow
	err := s.db.WithContext(ctx).Where("net = ? AND parent_id IS NULL AND merged_into IS NULL", string(domain.NetRegion)).
		Order("CASE WHEN kind = 'city' THEN 0 ELSE 1 END, path").Take(&u).Error
	if err != nil {
		return domain.Unit{}, translate(err, "root unit")
	}
	return u.domain(), nil
}
