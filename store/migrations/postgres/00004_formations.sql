-- +goose Up
-- A party organization 党组织 and the organizations it covers.
CREATE TABLE party_orgs (
    id                 TEXT PRIMARY KEY,
    kind               TEXT NOT NULL CHECK (kind IN ('branch', 'general_branch', 'base_committee', 'joint', 'mobile', 'temporary')),
    name               TEXT NOT NULL DEFAULT '',
    unit_id            TEXT NOT NULL REFERENCES units (id), -- the township or park party committee above it
    unit_path          TEXT NOT NULL,
    status             TEXT NOT NULL CHECK (status IN ('forming', 'active', 'dissolved')),
    committee          BOOLEAN NOT NULL DEFAULT FALSE,
    officers           TEXT NOT NULL DEFAULT '[]', -- JSON [{name, post}]
    term_years         INTEGER NOT NULL DEFAULT 0,
    term_started_at    TIMESTAMPTZ,
    term_due_at        TIMESTAMPTZ,
    ends_on            TEXT NOT NULL DEFAULT '',   -- temporary branch: when its parent body ends
    formation_id       TEXT NOT NULL,
    upgrade_prompt     TEXT NOT NULL DEFAULT '',
    dissolved_at       TIMESTAMPTZ,
    dissolution_reason TEXT NOT NULL DEFAULT '',
    created_at         TIMESTAMPTZ NOT NULL,
    updated_at         TIMESTAMPTZ NOT NULL
);
CREATE INDEX party_orgs_unit_path ON party_orgs (unit_path text_pattern_ops);

CREATE TABLE party_org_organizations (
    party_org_id TEXT NOT NULL REFERENCES party_orgs (id),
    uscc         TEXT NOT NULL REFERENCES organizations (uscc),
    PRIMARY KEY (party_org_id, uscc)
);
CREATE INDEX party_org_organizations_uscc ON party_org_organizations (uscc);

-- A formation: the process that brings a party organization into being.
CREATE TABLE formations (
    id           TEXT PRIMARY KEY,
    workflow_id  TEXT NOT NULL UNIQUE,
    kind         TEXT NOT NULL,
    lead_uscc    TEXT NOT NULL REFERENCES organizations (uscc),
    unit_id      TEXT NOT NULL REFERENCES units (id),
    unit_path    TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('running', 'active', 'cancelled', 'failed')),
    step         TEXT NOT NULL DEFAULT '',
    party_org_id TEXT REFERENCES party_orgs (id),
    started_by   TEXT NOT NULL,
    origin       TEXT NOT NULL DEFAULT 'api', -- api | census
    created_at   TIMESTAMPTZ NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX formations_unit_path ON formations (unit_path text_pattern_ops);

-- The organizations a formation is for; an organization is in at most one running formation.
CREATE TABLE formation_organizations (
    formation_id TEXT NOT NULL REFERENCES formations (id),
    uscc         TEXT NOT NULL REFERENCES organizations (uscc),
    running      BOOLEAN NOT NULL DEFAULT TRUE,
    PRIMARY KEY (formation_id, uscc)
);
CREATE UNIQUE INDEX formation_organizations_running ON formation_organizations (uscc) WHERE running;

-- The member register 党员名册 of each organization. Personal data: never logged, never in a
-- search attribute, read only within scope.
CREATE TABLE party_members (
    id           TEXT PRIMARY KEY,
    uscc         TEXT NOT NULL REFERENCES organizations (uscc),
    name         TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('formal', 'probationary')),
    home_org     TEXT NOT NULL DEFAULT '',
    joined_on    TEXT NOT NULL DEFAULT '',
    party_org_id TEXT REFERENCES party_orgs (id),
    created_at   TIMESTAMPTZ NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL,
    UNIQUE (uscc, name)
);

-- Relations transferred 组织关系转接 into a new party organization.
CREATE TABLE member_transfers (
    id             TEXT PRIMARY KEY,
    member_id      TEXT NOT NULL REFERENCES party_members (id),
    from_org       TEXT NOT NULL,
    party_org_id   TEXT NOT NULL REFERENCES party_orgs (id),
    needs_letter   BOOLEAN NOT NULL, -- home organization elsewhere: a transfer letter is printed
    transferred_at TIMESTAMPTZ NOT NULL,
    UNIQUE (member_id, party_org_id)
);

-- +goose Down
DROP TABLE member_transfers;
DROP TABLE party_members;
DROP TABLE formation_organizations;
DROP TABLE formations;
DROP TABLE party_org_organizations;
DROP TABLE party_orgs;
