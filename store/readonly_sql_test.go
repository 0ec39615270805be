package store

import "testing"

// TestReadOnlySQL: a statement goes to the readers only when it writes nothing; a column named
// like a keyword (temporary_branch, updated_at) does not make a read a write.
func TestReadOnlySQL(t *testing.T) {
	for q, want := range map[string]bool{
		"SELECT count(*) FROM organizations":                                 true,
		"WITH x AS (SELECT 1) SELECT * FROM x":                               true,
		"SELECT sum(CASE WHEN temporary_branch THEN 1 ELSE 0 END) FROM orgs": true,
		"select updated_at, inserted, deleted_by from t":                     true,
		"SELECT * FROM temp.recompute":                                       false,
		"SELECT uscc INTO TEMP t FROM organizations":                         false,
		"SELECT uscc INTO TEMPORARY TABLE t FROM organizations":              false,
		"WITH d AS (DELETE FROM t RETURNING id) SELECT * FROM d":             false,
		"WITH u AS (UPDATE t SET a = 1 RETURNING id) SELECT count(*) FROM u": false,
		"WITH i AS (INSERT INTO t VALUES (1) RETURNING id) SELECT * FROM i":  false,
		"SELECT * FROM organizations FOR UPDATE":                             false,
		"INSERT INTO t SELECT 1":                                             false,
		"UPDATE t SET a = 1":                                                 false,
		"DELETE FROM t":                                                      false,
		"CREATE TEMP TABLE recompute AS SELECT uscc FROM cls":                false,
	} {
		if got := readOnlySQL(q); got != want {
			t.Errorf("readOnlySQL(%q) = %v, want %v", q, got, want)
		}
	}
}
