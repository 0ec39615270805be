package store

import (
	"context"
	"time"

	"gorm.io/gorm"

	"tandem/domain"
)

// CensusRound is a census round 摸排: one verification per selected organization.
type CensusRound struct {
	ID         string
	UnitID     string
	UnitPath   string
	Selection  string // all | changed | unverified | tag
	Since      *time.Time
	Tag        string
	Status     string // running | done | cancelled
	Total      int
	Started    int
	Skipped    int
	CreatedBy  string
	CreatedAt  time.Time
	FinishedAt *time.Time
}

func (CensusRound) TableName() string { return "census_rounds" }

// RoundStart asks for a census round.
type RoundStart struct {
	UnitID    string
	Selection string // all | changed | unverified | tag
	Since     *time.Time
	Tag       string
}

// CreateRound records a round over the organizations of a unit's subtree that the selection
// picks, fixing its members: an officer over the unit, or an admin. Organizations with no
// single responsible region unit are included when their industry unit or the unit where they
// are resolved (region_scope_path) lies in the subtree, or the unit is a root; the round's unit
// assigns them first.
func (s *Store) CreateRound(ctx context.Context, p domain.Principal, in RoundStart) (CensusRound, error) {
	var v domain.Validation
	switch in.Selection {
	case "", "all", "unverified":
	case "changed":
		if in.Since == nil {
			v.AddCode("since", domain.CodeRequiredWith, "select 为 changed")
		}
	case "tag":
		if in.Tag == "" {
			v.AddCode("tag", domain.CodeRequiredWith, "select 为 tag")
		}
	default:
		v.AddCode("select", domain.CodeNotAllowed, "all、changed、unverified、tag")
	}
	if err := v.Err("排查轮次不正确"); err != nil {
		return CensusRound{}, err
	}
	if in.Selection == "" {
		in.Selection = "all"
	}
	unit, err := s.GetUnit(ctx, p, in.UnitID)
	if err != nil {
		return CensusRound{}, err
	}
	if unit.Net != domain.NetRegion {
		return CensusRound{}, domain.Invalid("排查范围须为区域网单位及其下级", domain.FieldFailed("unit_id", domain.CodeNotRegionUnit))
	}
	if !p.Admin && !p.HoldsRoleOver(domain.RoleOfficer, unit.Path) {
		return CensusRound{}, domain.Errorf(domain.EFORBIDDEN, "只有该单位的上级组织员可以发起排查")
	}
	now := s.Now()
	r := CensusRound{ID: newID(), UnitID: unit.ID, UnitPath: unit.Path, Selection: in.Selection, Since: in.Since, Tag: in.Tag,
		Status: string(domain.RoundRunning), CreatedBy: p.Username, CreatedAt: now}
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if in.Selection == "tag" {
			var n int64
			if err := tx.Table("tag_definitions").Where("code = ?", in.Tag).Count(&n).Error; err != nil || n == 0 {
				return domain.Invalid("未定义的标签", domain.FieldFailed("tag", domain.CodeUnknownTag))
			}
		}
		if err := tx.Create(&r).Error; err != nil {
			return translate(err, "census round")
		}
		like := escapeLike(unit.Path) + "%"
		where := `NOT o.missing AND ((o.region_owners = 1 AND o.region_path LIKE @like ESCAPE '\') OR
			(o.region_owners <> 1 AND (o.industry_path LIKE @like ESCAPE '\' OR o.region_scope_path LIKE @like ESCAPE '\' OR @root)))`
		args := map[string]any{"round": r.ID, "like": like, "root": unit.ParentID == nil}
		switch in.Selection {
		case "changed":
			where += ` AND (o.created_at >= @since OR o.updated_at >= @since)`
			args["since"] = *in.Since
		case "unverified":
			where += ` AND o.visited_at IS NULL`
		case "tag":
			where += ` AND EXISTS (SELECT 1 FROM organization_tags g WHERE g.uscc = o.uscc AND g.tag = @tag)`
			args["tag"] = in.Tag
		}
		res := tx.Exec(`INSERT INTO census_members (round_id, uscc, unit_id)
			SELECT @round, o.uscc, CASE WHEN o.region_owners = 1 THEN o.region_unit_id END FROM organizations o WHERE `+where, args)
		if res.Error != nil {
			return translate(res.Error, "census round")
		}
		r.Total = int(res.RowsAffected)
		if err := tx.Model(&CensusRound{}).Where("id = ?", r.ID).Update("total", r.Total).Error; err != nil {
			return translate(err, "census round")
		}
		return s.audit(ctx, tx, p.Username, "census.start", "census_round", r.ID, unit.Path, nil,
			map[string]any{"unit_id": unit.ID, "select": in.Selection, "since": in.Since, "tag": in.Tag, "total": r.Total})
	})
	return r, err
}

// RoundMember is one organization of a round.
type RoundMember struct {
	USCC   string  `gorm:"column:uscc"`
	UnitID *string // nil: no responsible region unit yet
}

// RoundMembers pages through a round's organizations by credit code.
func (s *Store) RoundMembers(ctx context.Context, roundID, after string, limit int) ([]RoundMember, error) {
	var out []RoundMember
	err := s.db.WithContext(ctx).Table("census_members").Where("round_id = ? AND uscc > ?", roundID, after).
		Order("uscc").Limit(limit).Select("uscc, unit_id").Scan(&out).Error
	return out, translate(err, "census members")
}

// MarkSkipped records that a round did not start the verification of these organizations
// because one was already running: skipped_by names the other round that has it (the latest
// running one), or "verification" when it came from elsewhere. Marking again is a no-op.
func (s *Store) MarkSkipped(ctx context.Context, roundID string, usccs []string) error {
	if len(usccs) == 0 {
		return nil
	}
	return translate(s.db.WithContext(ctx).Exec(`UPDATE census_members SET skipped_by = COALESCE((
		SELECT m.round_id FROM census_members m JOIN census_rounds r ON r.id = m.round_id
		WHERE m.uscc = census_members.uscc AND m.round_id <> census_members.round_id AND m.skipped_by = ''
		ORDER BY r.created_at DESC, r.id DESC LIMIT 1), 'verification')
		WHERE round_id = ? AND uscc IN ? AND skipped_by = ''`, roundID, usccs).Error, "census members")
}

// SkippedMember is an organization a round skipped, with the round whose verification had it.
type SkippedMember struct {
	USCC      string `gorm:"column:uscc"`
	Name      string
	SkippedBy string
}

// SkippedMembers pages through the organizations a round skipped (the caller has read the
// round through GetRound), by credit code.
func (s *Store) SkippedMembers(ctx context.Context, roundID string, page Page) ([]SkippedMember, string, error) {
	q := s.db.WithContext(ctx).Table("census_members m").Joins("JOIN organizations o ON o.uscc = m.uscc").
		Where("m.round_id = ? AND m.skipped_by <> ''", roundID)
	q, err := pageByID(q, "m.uscc", page)
	if err != nil {
		return nil, "", err
	}
	var out []SkippedMember
	if err := q.Select("m.uscc, o.name, m.skipped_by").Find(&out).Error; err != nil {
		return nil, "", translate(err, "census members")
	}
	out, next := nextCursor(out, page, func(m SkippedMember) string { return m.USCC })
	return out, next, nil
}

// RoundByID returns a round, unscoped.
func (s *Store) RoundByID(ctx context.Context, id string) (CensusRound, error) {
	var r CensusRound
	err := s.db.WithContext(ctx).Where("id = ?", id).Take(&r).Error
	return r, translate(err, "census round")
}

// GetRound returns a round the caller may view.
func (s *Store) GetRound(ctx context.Context, p domain.Principal, id string) (CensusRound, error) {
	var r CensusRound
	err := scoped(s.db.WithContext(ctx).Where("id = ?", id), "unit_path", p).Take(&r).Error
	return r, translate(err, "census round")
}

// SetRoundStarted records how far a round's fan-out has gone, and how many of those
// organizations were already in a verification of another round.
func (s *Store) SetRoundStarted(ctx context.Context, id string, started, skipped int) error {
	return translate(s.db.WithContext(ctx).Model(&CensusRound{}).Where("id = ? AND started < ?", id, started).
		Updates(map[string]any{"started": started, "skipped": skipped}).Error, "census round")
}

// RoundDone reports whether a round has nothing left: every organization passed by the
// fan-out, a verification task for each one not skipped, and none of them still active.
func RoundDone(r CensusRound, byStatus map[string]int) bool {
	created := byStatus[string(domain.TaskOpen)] + byStatus[string(domain.TaskClaimed)] + byStatus[string(domain.TaskCompleted)] + byStatus[string(domain.TaskCancelled)]
	return r.Started >= r.Total && created >= r.Started-r.Skipped && byStatus[string(domain.TaskOpen)]+byStatus[string(domain.TaskClaimed)] == 0
}

// EndRound marks a round done or cancelled.
func (s *Store) EndRound(ctx context.Context, id, status, actor string) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var r CensusRound
		if err := tx.Where("id = ?", id).Take(&r).Error; err != nil || r.Status != string(domain.RoundRunning) {
			return translate(err, "census round")
		}
		now := s.Now()
		if err := tx.Model(&CensusRound{}).Where("id = ? AND status = ?", id, domain.RoundRunning).
			Updates(map[string]any{"status": status, "finished_at": now}).Error; err != nil {
			return translate(err, "census round")
		}
		return s.audit(ctx, tx, actor, "census."+status, "census_round", id, r.UnitPath, nil, nil)
	})
}

// UnitProgress counts a round's verification tasks in one unit.
type UnitProgress struct {
	UnitID    string `json:"unit_id"`
	UnitName  string `json:"unit_name"`
	Open      int    `json:"open"`
	Claimed   int    `json:"claimed"`
	Completed int    `json:"completed"`
	Cancelled int    `json:"cancelled"`
}

// RoundProgress counts a round's verification tasks by status and by unit.
func (s *Store) RoundProgress(ctx context.Context, roundID string) (map[string]int, []UnitProgress, error) {
	var rows []struct {
		UnitID   string
		UnitName string
		Status   string
		N        int
	}
	err := s.db.WithContext(ctx).Raw(`SELECT t.unit_id, u.name AS unit_name, t.status, count(*) AS n FROM census_members m
		JOIN tasks t ON t.key = 'census-verify/' || m.uscc || '/verify/' || m.round_id
		JOIN units u ON u.id = t.unit_id
		WHERE m.round_id = ? GROUP BY t.unit_id, u.name, t.status ORDER BY t.unit_id`, roundID).Scan(&rows).Error
	if err != nil {
		return nil, nil, translate(err, "census progress")
	}
	by := map[string]int{string(domain.TaskOpen): 0, string(domain.TaskClaimed): 0, string(domain.TaskCompleted): 0, string(domain.TaskCancelled): 0}
	var units []UnitProgress
	for _, r := range rows {
		by[r.Status] += r.N
		if len(units) == 0 || units[len(units)-1].UnitID != r.UnitID {
			units = append(units, UnitProgress{UnitID: r.UnitID, UnitName: r.UnitName})
		}
		u := &units[len(units)-1]
		switch r.Status {
		case string(domain.TaskOpen):
			u.Open += r.N
		case string(domain.TaskClaimed):
			u.Claimed += r.N
		case string(domain.TaskCompleted):
			u.Completed += r.N
		case string(domain.TaskCancelled):
			u.Cancelled += r.N
		}
	}
	return by, units, nil
}

// ChangedRounds records census rounds (one per root region unit) over the organizations new or
// changed since a time: the monthly docking sends them to the townships.
func (s *Store) ChangedRounds(ctx context.Context, since time.Time, actor string) ([]CensusRound, error) {
	var roots []unitRow
	if err := s.db.WithContext(ctx).Where("net = ? AND parent_id IS NULL AND merged_into IS NULL", string(domain.NetRegion)).Order("path").Find(&roots).Error; err != nil {
		return nil, translate(err, "units")
	}
	var out []CensusRound
	for _, u := range roots {
		r, err := s.CreateRound(ctx, domain.Principal{Username: actor, Admin: true}, RoundStart{UnitID: u.ID, Selection: "changed", Since: &since})
		if err != nil {
			return nil, err
		}
		if r.Total > 0 {
			out = append(out, r)
		} else if err := s.EndRound(ctx, r.ID, string(domain.RoundDone), actor); err != nil {
			return nil, err
		}
	}
	return out, nil
}
