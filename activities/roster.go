package activities

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"tandem/domain"
	"tandem/roster"
	"tandem/store"
)

// ErrTypeBadFile marks an import whose file cannot be read; retrying cannot help.
const ErrTypeBadFile = "BadRosterFile"

// ImportOptions are what the uploader said about the file.
type ImportOptions struct {
	Encoding string            `json:"encoding,omitempty"`
	Sheet    string            `json:"sheet,omitempty"`
	Mapping  map[string]string `json:"mapping,omitempty"` // field → header text
}

// DefaultMissingGateShare is the share of a source's organizations an extract may flag missing
// before an admin must confirm it.
const DefaultMissingGateShare = 0.20

// RunImport reads an uploaded roster, stages its rows and merges them into the master roster
// in one transaction. Running it again after it succeeded returns the stored result. (The
// import workflow of histories before the mass-missing gate; new runs use RunImportGated.)
func (a *Activities) RunImport(ctx context.Context, importID string) (ImportResult, error) {
	imp, err := a.runImport(ctx, importID, -1)
	return importResult(imp), err
}

// RunImportGated is RunImport with the mass-missing gate: an extract that would flag more than
// MissingGateShare of the source's organizations missing does not merge; it comes back
// awaiting_confirmation, staged, for the workflow to ask an admin.
func (a *Activities) RunImportGated(ctx context.Context, importID string) (ImportResult, error) {
	share := a.MissingGateShare
	if share <= 0 {
		share = DefaultMissingGateShare
	}
	imp, err := a.runImport(ctx, importID, share)
	return importResult(imp), err
}

func (a *Activities) runImport(ctx context.Context, importID string, gate float64) (store.RosterImport, error) {
	imp, err := a.Store.ImportByID(ctx, importID)
	if err != nil || imp.Status.Finished() || imp.Status == domain.ImportAwaitingConfirmation {
		return imp, nonRetryable(err)
	}
	if err := a.Store.StartImport(ctx, importID); err != nil {
		return imp, err
	}
	// Heartbeat while the file is parsed and merged, so that a worker that dies is noticed
	// within the heartbeat timeout and the import runs again elsewhere.
	if activity.IsActivity(ctx) {
		beat, stop := context.WithCancel(ctx)
		defer stop()
		go func() {
			for {
				select {
				case <-beat.Done():
					return
				case <-time.After(5 * time.Second):
					activity.RecordHeartbeat(ctx)
				}
			}
		}()
	}
	file, err := a.Store.ImportFile(ctx, imp)
	if err != nil {
		return imp, err
	}
	var opts ImportOptions
	if imp.Options != "" {
		if err := json.Unmarshal([]byte(imp.Options), &opts); err != nil {
			return imp, a.failImport(ctx, importID, "bad import options")
		}
	}
	// An extract that says what the source said last time ends here, as the merge would end it
	// (all unchanged, nothing touched): the same bytes known by their hash before parsing, the
	// same content re-exported by each row's fingerprint while parsing. (An annual report keeps
	// its party-building rows per import, so it is always staged.)
	var last *store.Fingerprints
	if imp.Source != AnnualReportSource {
		var done store.RosterImport
		var ok bool
		if done, last, ok, err = a.unchanged(ctx, imp, file, opts); err != nil || ok {
			return done, err
		}
	}
	stageStart := time.Now()
	st := a.Store.NewStager(ctx, imp)
	defer st.Close()
	st.CompareWith(last) // the merge then classifies only the rows that differ
	pc, err := a.stage(ctx, imp, file, opts, st)
	if err == nil {
		err = st.Flush()
	}
	if a.Store.Trace != nil {
		a.Store.Trace("stage "+imp.Filename, time.Since(stageStart))
	}
	if err != nil {
		var bad badFile
		if errors.As(err, &bad) {
			return imp, a.failImport(ctx, importID, bad.msg)
		}
		return imp, err
	}
	// An extract without one valid row would flag every organization the source delivered
	// before as missing: it is refused, its rejects listed for the department to fix.
	if pc.Accepted == 0 {
		reason := "文件中没有可导入的行（数据行 " + strconv.Itoa(pc.Rows) + "，全部拒收或为空）"
		if err := a.Store.FailImport(ctx, importID, reason, &pc); err != nil {
			return imp, err
		}
		return imp, temporal.NewNonRetryableApplicationError(reason, ErrTypeBadFile, nil)
	}
	mergeStart := time.Now()
	done, err := a.Store.MergeImportGated(ctx, importID, pc, gate)
	if a.Store.Trace != nil {
		a.Store.Trace("merge "+imp.Filename, time.Since(mergeStart))
	}
	if err != nil || done.Status == domain.ImportAwaitingConfirmation {
		return done, err
	}
	return done, a.notifyDone(ctx, done)
}

// unchanged ends an import whose extract is the source's last one again: the same file (by
// its SHA-256), or the same rows in any order and line ends (by their fingerprints, compared
// while parsing without staging; at the first row that differs the comparison stops, and the
// last extract's fingerprints are returned for the stager to list what differs).
func (a *Activities) unchanged(ctx context.Context, imp store.RosterImport, file *store.ChunkedBlob, opts ImportOptions) (store.RosterImport, *store.Fingerprints, bool, error) {
	if same, ok, err := a.Store.SameFileAsLast(ctx, imp); err != nil || ok {
		if err != nil {
			return imp, nil, false, err
		}
		done, err := a.Store.FinishUnchanged(ctx, imp.ID, same, nil)
		if err != nil {
			return done, nil, false, err
		}
		return done, nil, true, a.notifyDone(ctx, done)
	}
	last, err := a.Store.SourceFingerprints(ctx, imp.Source)
	if err != nil || last == nil {
		return imp, nil, false, err
	}
	start := time.Now()
	cmp := a.Store.NewComparer(ctx, imp, last)
	pc, err := a.stage(ctx, imp, file, opts, cmp)
	if a.Store.Trace != nil {
		a.Store.Trace("compare "+imp.Filename, time.Since(start))
	}
	if errors.Is(err, store.ErrExtractChanged) || (err == nil && !cmp.Unchanged()) {
		return imp, last, false, cmp.Reset()
	}
	if err != nil {
		var bad badFile
		if errors.As(err, &bad) {
			return imp, nil, false, a.failImport(ctx, imp.ID, bad.msg)
		}
		return imp, nil, false, err
	}
	if err := cmp.Flush(); err != nil {
		return imp, nil, false, err
	}
	same, err := a.Store.ImportByID(ctx, last.ImportID)
	if err != nil {
		return imp, nil, false, err
	}
	done, err := a.Store.FinishUnchanged(ctx, imp.ID, same, &pc)
	if err != nil {
		return done, nil, false, err
	}
	return done, nil, true, a.notifyDone(ctx, done)
}

func (a *Activities) notifyDone(ctx context.Context, done store.RosterImport) error {
	label := roster.SourceLabel[done.Source]
	title := fmt.Sprintf("名册导入完成：%s名册 %s", label, done.Filename)
	body := fmt.Sprintf("%s名册 %s 已导入：新增 %d 家，变更 %d 家，拒收 %d 行，冲突 %d 家，缺失 %d 家。", label, done.Filename,
		done.NewOrgs, done.Changed, done.Rejected, done.Conflicts, done.Missing)
	if same, err := a.Store.SameAsText(ctx, done); err != nil {
		return err
	} else if same != "" {
		title += "（与上月相同）"
		body = fmt.Sprintf("%s名册 %s %s；拒收 %d 行，冲突 %d 家。", label, done.Filename, same, done.Rejected, done.Conflicts)
	}
	return a.Notifier.Notify(ctx, []string{done.CreatedBy}, domain.Notice{Key: "import-done/" + done.ID, Kind: "roster.import_done",
		Title: title, Body: body, Link: importLink(done.ID), SubjectType: domain.SubjectImport, Subject: done.ID})
}

// importLink is the path of a roster import, which import notices link to.
func importLink(id string) string { return "/api/v1/roster-imports/" + id }

// ImportTurn queues an import behind the earliest unfinished import of its source uploaded
// before it, and returns that import's ID ("" when it is this one's turn).
func (a *Activities) ImportTurn(ctx context.Context, importID string) (string, error) {
	id, err := a.Store.ImportTurn(ctx, importID)
	return id, nonRetryable(err)
}

// QueuedBehind lists the imports waiting for this one, to wake them when it finishes.
func (a *Activities) QueuedBehind(ctx context.Context, importID string) ([]string, error) {
	return a.Store.QueuedBehind(ctx, importID)
}

// HeldImport is what the confirmation task of a held import needs.
type HeldImport struct {
	UnitID    string // the unit whose officers confirm (the city root)
	Title     string
	CreatedBy string
}

// DescribeHeld names the unit that confirms a held import and the task's title.
func (a *Activities) DescribeHeld(ctx context.Context, importID string) (HeldImport, error) {
	imp, err := a.Store.ImportByID(ctx, importID)
	if err != nil {
		return HeldImport{}, nonRetryable(err)
	}
	u, err := a.Store.ConfirmationUnit(ctx)
	if err != nil {
		if domain.ErrorCode(err) == domain.ENOTFOUND {
			return HeldImport{}, a.failImport(ctx, importID, "本次报送需确认缺失组织，但尚无区域网的根单位（市两新工委）可确认：未合并")
		}
		return HeldImport{}, err
	}
	label := roster.SourceLabel[imp.Source]
	return HeldImport{UnitID: u.ID, CreatedBy: imp.CreatedBy, Title: fmt.Sprintf("名册缺失确认：%s名册 %s 将把 %d 家组织（该来源现有 %d 家）标记为缺失",
		label, imp.Filename, imp.Missing, imp.SourceOrganizations)}, nil
}

// DecisionInput is an admin's decision on a held import.
type DecisionInput struct {
	ImportID, Actor, Reason string
}

// ConfirmHeldImport merges a held import as confirmed and tells the uploader.
func (a *Activities) ConfirmHeldImport(ctx context.Context, in DecisionInput) (ImportResult, error) {
	done, err := a.Store.ConfirmHeldImport(ctx, in.ImportID, in.Actor, in.Reason)
	if err != nil {
		return importResult(done), nonRetryable(err)
	}
	return importResult(done), a.notifyDone(ctx, done)
}

// RejectHeldImport ends a held import unmerged and tells the uploader.
func (a *Activities) RejectHeldImport(ctx context.Context, in DecisionInput) (ImportResult, error) {
	out, err := a.Store.RejectHeldImport(ctx, in.ImportID, in.Actor, in.Reason)
	if err != nil {
		return importResult(out), nonRetryable(err)
	}
	label := roster.SourceLabel[out.Source]
	title := fmt.Sprintf("名册导入被驳回：%s名册 %s", label, out.Filename)
	body := fmt.Sprintf("%s名册 %s 未合并：确认缺失组织时被驳回，理由：%s", label, out.Filename, in.Reason)
	return importResult(out), a.Notifier.Notify(ctx, []string{out.CreatedBy}, domain.Notice{Key: "import-rejected/" + out.ID,
		Kind: "roster.import_rejected", Title: title, Body: body, Link: importLink(out.ID), SubjectType: domain.SubjectImport, Subject: out.ID})
}

// ImportResult is what a roster import's activities (and its workflow) return: the import as
// recorded, in the JSON shape of the histories (the untagged field names of the store's
// RosterImport when it was the payload). A new store field does not appear here by itself.
type ImportResult struct {
	ID                  string
	Source              string
	Filename            string
	BlobKey             string
	FileSHA256          string
	Status              domain.ImportStatus
	Encoding            string
	Sheet               string
	HeaderRow           int
	Mapping             string
	Options             string
	Rows                int
	Accepted            int
	Rejected            int
	Warnings            int
	NewOrgs             int
	Changed             int
	Unchanged           int
	Conflicts           int
	Missing             int
	SourceOrganizations int
	UnitID              string
	WaitingFor          string
	DecidedBy           string
	DecisionReason      string
	Error               string
	CreatedBy           string
	CreatedAt           time.Time
	StartedAt           *time.Time
	FinishedAt          *time.Time
	FileRemovedAt       *time.Time
}

func importResult(i store.RosterImport) ImportResult {
	return ImportResult{ID: i.ID, Source: i.Source, Filename: i.Filename, BlobKey: i.BlobKey, FileSHA256: i.FileSHA256,
		Status: i.Status, Encoding: i.Encoding, Sheet: i.Sheet, HeaderRow: i.HeaderRow, Mapping: i.Mapping, Options: i.Options,
		Rows: i.Rows, Accepted: i.Accepted, Rejected: i.Rejected, Warnings: i.Warnings, NewOrgs: i.NewOrgs, Changed: i.Changed,
		Unchanged: i.Unchanged, Conflicts: i.Conflicts, Missing: i.Missing, SourceOrganizations: i.SourceOrganizations,
		UnitID: i.UnitID, WaitingFor: i.WaitingFor, DecidedBy: i.DecidedBy, DecisionReason: i.DecisionReason, Error: i.Error,
		CreatedBy: i.CreatedBy, CreatedAt: i.CreatedAt, StartedAt: i.StartedAt, FinishedAt: i.FinishedAt, FileRemovedAt: i.FileRemovedAt}
}

type badFile struct{ msg string }

func (b badFile) Error() string { return b.msg }

func (a *Activities) failImport(ctx context.Context, id, reason string) error {
	if err := a.Store.FailImport(ctx, id, reason, nil); err != nil {
		return err
	}
	return temporal.NewNonRetryableApplicationError(reason, ErrTypeBadFile, nil)
}

// rowSink takes an extract's rows and issues: the Stager, or the Comparer that checks them
// against the source's last extract.
type rowSink interface {
	Row(store.StagedRow) error
	Issue(store.ImportIssue) error
}

// stage parses the file row by row into st (the caller flushes it).
func (a *Activities) stage(ctx context.Context, imp store.RosterImport, file *store.ChunkedBlob, opts ImportOptions, st rowSink) (store.ParseCounts, error) {
	importID, source := imp.ID, imp.Source
	rr, enc, err := roster.Open(file, file.Size(), imp.Filename, roster.Options{Encoding: opts.Encoding, Sheet: opts.Sheet})
	if err != nil {
		return store.ParseCounts{}, badFile{err.Error()}
	}
	defer rr.Close()
	override := map[roster.Field]string{}
	for f, h := range opts.Mapping {
		override[roster.Field(f)] = h
	}
	p, err := roster.NewParser(rr, override)
	if err != nil {
		return store.ParseCounts{}, badFile{err.Error()}
	}
	pc := store.ParseCounts{Encoding: enc, Sheet: opts.Sheet, HeaderRow: p.HeaderRow(), Mapping: map[string]int{}}
	for f, col := range p.Mapping() {
		pc.Mapping[string(f)] = col
	}
	// An annual report's party-building fields are kept beside the roster rows.
	var annual []store.AnnualRow
	saveAnnual := func() error {
		err := a.Store.SaveAnnualRows(ctx, annual)
		annual = annual[:0]
		return err
	}
	for {
		rec, rej, warns, err := p.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return pc, badFile{err.Error()}
		}
		pc.Rows++
		for _, w := range warns {
			pc.Warnings++
			if err := st.Issue(issueOf(w, "warning")); err != nil {
				return pc, err
			}
		}
		if rej != nil {
			pc.Rejected++
			if err := st.Issue(issueOf(*rej, "reject")); err != nil {
				return pc, err
			}
			continue
		}
		pc.Accepted++
		if source == AnnualReportSource && (rec.PartyMembers != nil || rec.PartyOrg != "") {
			annual = append(annual, store.AnnualRow{ImportID: importID, USCC: string(rec.USCC), RowNumber: rec.Row,
				PartyMembers: rec.PartyMembers, PartyOrg: rec.PartyOrg})
			if len(annual) == 500 {
				if err := saveAnnual(); err != nil {
					return pc, err
				}
			}
		}
		if err := st.Row(store.StagedRow{Row: rec.Row, USCC: string(rec.USCC), Name: rec.Name, Township: rec.Township,
			Industry: rec.Industry, Supervisor: rec.Supervisor, Employees: rec.Employees, RegStatus: rec.RegStatus, Address: rec.Address}); err != nil {
			return pc, err
		}
	}
	return pc, saveAnnual()
}

// AnnualReportSource is the roster source of annual reports 年报, whose party-building fields
// are checked against the roster.
const AnnualReportSource = "annual_report"

// RoundInfo is a census round an activity recorded; the workflow starts it.
type RoundInfo struct {
	ID     string
	UnitID string
}

// AnnualReportRounds records census rounds for an annual-report import's disagreements with
// the roster (none for other sources).
func (a *Activities) AnnualReportRounds(ctx context.Context, importID string) ([]RoundInfo, error) {
	imp, err := a.Store.ImportByID(ctx, importID)
	if err != nil || imp.Source != AnnualReportSource || imp.Status != domain.ImportDone {
		return nil, nonRetryable(err)
	}
	rounds, err := a.Store.AnnualReportRounds(ctx, importID, "system")
	return roundInfos(rounds), err
}

func roundInfos(rounds []store.CensusRound) []RoundInfo {
	out := make([]RoundInfo, len(rounds))
	for i, r := range rounds {
		out[i] = RoundInfo{ID: r.ID, UnitID: r.UnitID}
	}
	return out
}

func issueOf(i roster.Issue, severity string) store.ImportIssue {
	return store.ImportIssue{Row: i.Row, Field: string(i.Field), Severity: severity, Reason: i.Reason, Message: i.Message, Raw: i.Raw, Name: i.Name}
}

// FailImport records that an import failed for good.
func (a *Activities) FailImport(ctx context.Context, importID, reason string) error {
	return a.Store.FailImport(ctx, importID, reason, nil)
}
