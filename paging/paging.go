// Package paging gives lists one shape: a page of items in id order and a
// cursor for the next page. Keyset paging stays fast however deep a list goes.
package paging

// Limits on page size.
const (
	DefaultLimit = 50
	MaxLimit     = 200
)

// Request asks for up to Limit items with ids after After.
type Request struct {
	After int64
	Limit int
}

// Clamp returns r with Limit within 1..MaxLimit (DefaultLimit when unset).
func (r Request) Clamp() Request {
	switch {
	case r.Limit <= 0:
		r.Limit = DefaultLimit
	case r.Limit > MaxLimit:
		r.Limit = MaxLimit
	}
	return r
}

// Page is one page of a list. Next is the cursor for the following page, or
// zero when this is the last.
type Page[T any] struct {
	Items []T
	Next  int64
}

// Cut builds a page from items fetched with a limit one greater than asked
// for: the extra item only shows that there is another page.
func Cut[T any](items []T, limit int, id func(T) int64) Page[T] {
	if len(items) <= limit {
		if items == nil {
			items = []T{}
		}
		return Page[T]{Items: items}
	}
	items = items[:limit]
	return Page[T]{Items: items, Next: id(items[limit-1])}
}
