-- +goose Up
-- What an organization is (issue #17 §4): see the PostgreSQL migration of the same version.
ALTER TABLE organizations ADD COLUMN operating_basis TEXT NOT NULL DEFAULT '' CHECK (operating_basis IN ('', 'deregistration', 'visit', 'registration'));
ALTER TABLE organizations ADD COLUMN operating_observed_at DATETIME;
ALTER TABLE organizations ADD COLUMN temporary_branch BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE organizations ADD COLUMN region_scope_path TEXT NOT NULL DEFAULT '';
CREATE INDEX organizations_region_scope ON organizations (region_scope_path) WHERE region_owners <> 1;

ALTER TABLE census_members ADD COLUMN skipped_by TEXT NOT NULL DEFAULT '';

UPDATE organizations SET operating = FALSE, operating_basis = 'deregistration',
    operating_observed_at = (SELECT min(s.observed_at) FROM organization_sources s WHERE s.uscc = organizations.uscc)
WHERE EXISTS (SELECT 1 FROM organization_sources s WHERE s.uscc = organizations.uscc AND NOT s.missing
    AND (s.reg_status LIKE '%注销%' OR s.reg_status LIKE '%吊销%' OR s.reg_status LIKE '%撤销%'));
UPDATE organizations SET operating = visited_operating, operating_basis = 'visit', operating_observed_at = visited_at
WHERE operating_basis = '' AND visited_at IS NOT NULL AND visited_operating IS NOT NULL;
UPDATE organizations SET operating_basis = 'registration', operating_observed_at = updated_at
WHERE operating_basis = '' AND operating IS NOT NULL;
UPDATE organizations SET coverage = 'regional', temporary_branch = TRUE
WHERE EXISTS (SELECT 1 FROM party_org_organizations x JOIN party_orgs p ON p.id = x.party_org_id
    WHERE x.uscc = organizations.uscc AND p.status = 'active' AND p.kind = 'temporary')
  AND NOT EXISTS (SELECT 1 FROM party_org_organizations x JOIN party_orgs p ON p.id = x.party_org_id
    WHERE x.uscc = organizations.uscc AND p.status = 'active' AND p.kind <> 'temporary');
UPDATE organizations SET region_scope_path = COALESCE((SELECT min(path) FROM units WHERE net = 'region' AND parent_id IS NULL), '')
WHERE region_owners <> 1;

-- +goose Down
UPDATE organizations SET coverage = 'single' WHERE temporary_branch AND coverage = 'regional';
ALTER TABLE census_members DROP COLUMN skipped_by;
DROP INDEX organizations_region_scope;
ALTER TABLE organizations DROP COLUMN region_scope_path;
ALTER TABLE organizations DROP COLUMN temporary_branch;
ALTER TABLE organizations DROP COLUMN operating_observed_at;
ALTER TABLE organizations DROP COLUMN operating_basis;
