// Package apperr gives every domain package one way to say what went wrong:
// a kind that decides how callers react (not found, conflict, a broken rule…),
// a message that is safe to show a carer or a member of staff, and an optional
// cause kept for the logs only.
//
// Domain packages declare their sentinels with these constructors, for example
//
//	var ErrProviderNotFound = apperr.New(apperr.NotFound, "There is no care home with that id.")
//
// and the web package turns the kind into an HTTP status without knowing any
// domain.
package apperr

import (
	"errors"
	"fmt"
	"strings"
)

// Kind classifies an error by how a caller should react to it.
type Kind int

// The kinds of error a domain can report.
const (
	Internal     Kind = iota // a fault: log it, show nothing of it
	NotFound                 // the thing does not exist, or is not yours to see
	Conflict                 // the request clashes with the current state (a night already taken)
	Invalid                  // the input breaks a rule; Fields may name the bad fields
	Unauthorized             // no valid sign-in
	Forbidden                // signed in, but this role may not do it
	RateLimited              // too many attempts; try again later
	Unavailable              // a dependency is down; try again later
	Stale                    // the caller's copy is out of date (If-Match): read it again
)

// Error is a domain error with a message safe for users.
type Error struct {
	Kind     Kind
	Message  string       // safe to show to anyone
	Fields   []FieldError // for Invalid: every bad field, in input order
	cause    error        // full detail, for logs only
	sentinel *Error       // the sentinel this copy was made from
}

// FieldError names one bad input field and what is wrong with it.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// New returns an error of kind k with a user-safe message. Use it for sentinels.
func New(k Kind, message string) *Error { return &Error{Kind: k, Message: message} }

// Error returns the message and, when set, the cause.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Message)
	for _, f := range e.Fields {
		fmt.Fprintf(&b, "; %s: %s", f.Field, f.Message)
	}
	if e.cause != nil {
		b.WriteString(": ")
		b.WriteString(e.cause.Error())
	}
	return b.String()
}

// Unwrap returns the cause, so errors.Is and errors.As see through the wrapper.
func (e *Error) Unwrap() error { return e.cause }

// Is reports whether target is e or the sentinel e was made from, so copies
// made by Because or Reason still match their sentinel with errors.Is.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && (t == e || (e.sentinel != nil && t == e.sentinel))
}

// Because returns a copy of the sentinel e carrying cause for the logs.
func (e *Error) Because(cause error) *Error {
	c := *e
	c.cause = cause
	c.sentinel = e.root()
	return &c
}

// Reason returns a copy of the sentinel e with a more specific message. Use it
// when the sentinel names the rule and the message should say how the request
// broke it ("This stay would use 5 nights; 3 remain in this allowance year.").
func (e *Error) Reason(format string, args ...any) *Error {
	c := *e
	c.Message = fmt.Sprintf(format, args...)
	c.sentinel = e.root()
	return &c
}

func (e *Error) root() *Error {
	if e.sentinel != nil {
		return e.sentinel
	}
	return e
}

// KindOf returns the kind of the first *Error in err's chain, or Internal.
func KindOf(err error) Kind {
	if e, ok := As(err); ok {
		return e.Kind
	}
	return Internal
}

// As returns the first *Error in err's chain.
func As(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

// Wrapf wraps a fault with context for the logs. The result is Internal:
// nothing of it is shown to users.
func Wrapf(err error, format string, args ...any) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf(format+": %w", append(args, err)...)
}

// Fields collects field errors while input is checked, so one answer names
// every bad field at once.
type Fields struct {
	list []FieldError
}

// Add records that field is wrong, with a message saying how to put it right.
func (f *Fields) Add(field, format string, args ...any) {
	f.list = append(f.list, FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
}

// Has reports whether field already has an error, so later checks that depend
// on it can be skipped.
func (f *Fields) Has(field string) bool {
	for _, e := range f.list {
		if e.Field == field {
			return true
		}
	}
	return false
}

// Merge adds every field error of other, with prefix before each field name
// (for nested objects such as "place.id").
func (f *Fields) Merge(prefix string, other error) {
	e, ok := As(other)
	if !ok || e.Kind != Invalid {
		return
	}
	for _, fe := range e.Fields {
		f.list = append(f.list, FieldError{Field: prefix + fe.Field, Message: fe.Message})
	}
}

// Err returns nil when no field is wrong, otherwise an Invalid error listing them.
func (f *Fields) Err() error {
	if len(f.list) == 0 {
		return nil
	}
	return &Error{Kind: Invalid, Message: "Some of the details are not right.", Fields: append([]FieldError(nil), f.list...)}
}

// Invalidf returns an Invalid error for one field.
func Invalidf(field, format string, args ...any) error {
	var f Fields
	f.Add(field, format, args...)
	return f.Err()
}

// OneOf checks that value is in allowed, adding a message that lists them.
func (f *Fields) OneOf(field, value string, allowed []string) bool {
	for _, a := range allowed {
		if value == a {
			return true
		}
	}
	if value == "" {
		f.Add(field, "Enter one of: %s.", strings.Join(allowed, ", "))
	} else {
		f.Add(field, "%q is not allowed; use one of: %s.", value, strings.Join(allowed, ", "))
	}
	return false
}

// AllOneOf checks every value of a list against allowed and refuses repeats.
func (f *Fields) AllOneOf(field string, values, allowed []string) {
	seen := make(map[string]bool, len(values))
	for i, v := range values {
		name := fmt.Sprintf("%s[%d]", field, i)
		if seen[v] {
			f.Add(name, "%q is listed twice.", v)
			continue
		}
		seen[v] = true
		f.OneOf(name, v, allowed)
	}
}

// FieldNames returns the names of the bad fields of an Invalid error, in
// order, and whether err is one.
func FieldNames(err error) ([]string, bool) {
	e, ok := As(err)
	if !ok || e.Kind != Invalid {
		return nil, false
	}
	names := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		names[i] = f.Field
	}
	return names, true
}
