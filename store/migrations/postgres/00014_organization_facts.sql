-- +goose Up
-- What an organization is (issue #17 §4): one operating state with the observation that
-- decided it, the temporary branch that covers it, and where an organization without exactly
-- one township is resolved.
--
-- operating is computed by one rule (domain.OperatingState, store.operatingSQL): a source
-- reporting 注销/吊销/撤销 always wins; else the latest field visit; else the registration
-- status. operating_basis names the observation, operating_observed_at its date.
ALTER TABLE organizations
    ADD COLUMN operating_basis TEXT NOT NULL DEFAULT '' CHECK (operating_basis IN ('', 'deregistration', 'visit', 'registration')),
    ADD COLUMN operating_observed_at TIMESTAMPTZ,
    -- Covered by an active 临时党支部: regional coverage, never 单建; shown as its own column.
    ADD COLUMN temporary_branch BOOLEAN NOT NULL DEFAULT FALSE,
    -- region_owners <> 1: the lowest unit over every township the sources name (the region
    -- root when none matches): the officers there and above resolve it.
    ADD COLUMN region_scope_path TEXT NOT NULL DEFAULT '';
CREATE INDEX organizations_region_scope ON organizations (region_scope_path text_pattern_ops) WHERE region_owners <> 1;

-- The organizations a round did not start because a verification of another round was running.
ALTER TABLE census_members ADD COLUMN skipped_by TEXT NOT NULL DEFAULT '';

-- Backfill by the rule as it stands at this version.
UPDATE organizations o SET operating = FALSE, operating_basis = 'deregistration',
    operating_observed_at = (SELECT min(s.observed_at) FROM organization_sources s WHERE s.uscc = o.uscc)
WHERE EXISTS (SELECT 1 FROM organization_sources s WHERE s.uscc = o.uscc AND NOT s.missing
    AND (s.reg_status LIKE '%注销%' OR s.reg_status LIKE '%吊销%' OR s.reg_status LIKE '%撤销%'));
UPDATE organizations SET operating = visited_operating, operating_basis = 'visit', operating_observed_at = visited_at
WHERE operating_basis = '' AND visited_at IS NOT NULL AND visited_operating IS NOT NULL;
UPDATE organizations SET operating_basis = 'registration', operating_observed_at = updated_at
WHERE operating_basis = '' AND operating IS NOT NULL;
UPDATE organizations o SET coverage = 'regional', temporary_branch = TRUE
WHERE EXISTS (SELECT 1 FROM party_org_organizations x JOIN party_orgs p ON p.id = x.party_org_id
    WHERE x.uscc = o.uscc AND p.status = 'active' AND p.kind = 'temporary')
  AND NOT EXISTS (SELECT 1 FROM party_org_organizations x JOIN party_orgs p ON p.id = x.party_org_id
    WHERE x.uscc = o.uscc AND p.status = 'active' AND p.kind <> 'temporary');
UPDATE organizations SET region_scope_path = COALESCE((SELECT min(path) FROM units WHERE net = 'region' AND parent_id IS NULL), '')
WHERE region_owners <> 1;

-- +goose Down
UPDATE organizations SET coverage = 'single' WHERE temporary_branch AND coverage = 'regional';
ALTER TABLE census_members DROP COLUMN skipped_by;
DROP INDEX organizations_region_scope;
ALTER TABLE organizations DROP COLUMN region_scope_path, DROP COLUMN temporary_branch,
    DROP COLUMN operating_observed_at, DROP COLUMN operating_basis;
