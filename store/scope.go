package store

import (
	"encoding/base64"
	"strings"

	"gorm.io/gorm"

	"tandem/domain"
)

// scoped restricts q to rows whose unit path column lies in a subtree the caller may view.
func scoped(q *gorm.DB, pathColumn string, p domain.Principal) *gorm.DB {
	if p.Admin {
		return q
	}
	paths := p.ScopePaths()
	if len(paths) == 0 {
		return q.Where("1 = 0")
	}
	conds := make([]string, len(paths))
	args := make([]any, len(paths))
	for i, path := range paths {
		conds[i] = pathColumn + ` LIKE ? ESCAPE '\'`
		args[i] = escapeLike(path) + "%"
	}
	return q.Where("("+strings.Join(conds, " OR ")+")", args...)
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// Page asks for one page of a list.
type Page struct {
	Limit  int    // 1–domain.MaxPageSize; 0 means domain.DefaultPageSize
	Cursor string // opaque; "" for the first page
}

func (p Page) limit() int {
	switch {
	case p.Limit <= 0:
		return domain.DefaultPageSize
	case p.Limit > domain.MaxPageSize:
		return domain.MaxPageSize
	}
	return p.Limit
}

// encodeCursor and decodeCursor make the last key of a page opaque to clients.
func encodeCursor(key string) string { return base64.RawURLEncoding.EncodeToString([]byte(key)) }

func decodeCursor(c string) (string, error) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return "", domain.Invalid("分页游标不正确", domain.FieldFailed("cursor", domain.CodeBadCursor))
	}
	return string(b), nil
}

// pageByID applies keyset pagination on a time-ordered text ID column.
func pageByID(q *gorm.DB, idColumn string, page Page) (*gorm.DB, error) {
	if page.Cursor != "" {
		after, err := decodeCursor(page.Cursor)
		if err != nil {
			return nil, err
		}
		q = q.Where(idColumn+" > ?", after)
	}
	return q.Order(idColumn).Limit(page.limit() + 1), nil
}

// nextCursor trims the extra row fetched by pageByID and returns the cursor for the next page.
func nextCursor[T any](rows []T, page Page, key func(T) string) ([]T, string) {
	if len(rows) <= page.limit() {
		return rows, ""
	}
	rows = rows[:page.limit()]
	return rows, encodeCursor(key(rows[len(rows)-1]))
}
