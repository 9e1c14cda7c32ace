package exprfn

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

func init() {
	register(
		&Function{Name: "regexMatch", Category: Text, Signature: "regexMatch(text, pattern) → bool",
			Description: "Whether the regular expression (RE2: Go's regexp, no backreferences or lookaround) matches somewhere in the text; anchor it with ^ and $ to match all of it.",
			Example:     "regexMatch('order-42', '^order-\\\\d+$')", Result: "true",
			Func: regexMatchFunc, Types: []any{new(func(string, string) bool)}},
		&Function{Name: "regexFind", Category: Text, Signature: "regexFind(text, pattern, group?) → text",
			Description: "The first match of the regular expression, or of its numbered group, or null when it does not match.",
			Example:     "regexFind('order-42, order-7', 'order-(\\\\d+)', 1)", Result: `"42"`,
			Func: regexFindFunc, Types: []any{new(func(string, string) any), new(func(string, string, any) any)}},
		&Function{Name: "regexFindAll", Category: Text, Signature: "regexFindAll(text, pattern, group?) → list",
			Description: "Every match of the regular expression, or of its numbered group, in order.",
			Example:     "regexFindAll('order-42, order-7', 'order-(\\\\d+)', 1)", Result: `["42","7"]`,
			Func: regexFindAllFunc, Types: []any{new(func(string, string) []any), new(func(string, string, any) []any)}},
		&Function{Name: "regexReplace", Category: Text, Signature: "regexReplace(text, pattern, replacement) → text",
			Description: "The text with every match replaced; $1 or ${name} in the replacement stand for a group, $$ for a $.",
			Example:     "regexReplace('2026-03-01', '(\\\\d+)-(\\\\d+)-(\\\\d+)', '$3/$2/$1')", Result: `"01/03/2026"`,
			Func: regexReplaceFunc, Types: []any{new(func(string, string, string) string)}},
	)
}

// maxPatternBytes bounds a pattern's text, as MaxExpressionLength bounds
// an expression's.
const maxPatternBytes = 64 << 10

// regexCache keeps compiled patterns by their text. Patterns written in
// an expression are few and compiled at their first use; patterns made at
// run time could be many, so the cache is bounded and forgets an
// arbitrary entry when full.
var regexCache = struct {
	sync.RWMutex
	m map[string]*regexp.Regexp
}{m: map[string]*regexp.Regexp{}}

const regexCacheSize = 1024

// CompilePattern compiles a pattern as the regex functions do, with the
// error they give (fn is the function's name).
func CompilePattern(fn, pattern string) (*regexp.Regexp, error) {
	regexCache.RLock()
	re := regexCache.m[pattern]
	regexCache.RUnlock()
	if re != nil {
		return re, nil
	}
	if len(pattern) > maxPatternBytes {
		return nil, fmt.Errorf("%s: the pattern is %d bytes; the limit is %d", fn, len(pattern), maxPatternBytes)
	}
	re, err := regexp.Compile(pattern)
	if err != nil {
		msg := err.Error()
		if i := strings.Index(msg, ": "); i >= 0 && strings.HasPrefix(msg, "error parsing regexp") {
			msg = msg[i+2:]
		}
		return nil, fmt.Errorf("%s: %q is not a regular expression: %s (patterns are RE2, Go's regexp: no backreferences or lookaround)", fn, pattern, msg)
	}
	regexCache.Lock()
	if len(regexCache.m) >= regexCacheSize {
		for k := range regexCache.m {
			delete(regexCache.m, k)
			break
		}
	}
	regexCache.m[pattern] = re
	regexCache.Unlock()
	return re, nil
}

// regexArgs reads the text and pattern of fn's call, and its group (or
// 0) when it takes one (takesGroup).
func regexArgs(fn string, args []any, least, most int, takesGroup bool, usage, example string) (s string, re *regexp.Regexp, group int, err error) {
	if err = arity(fn, args, least, most, usage+", e.g. "+example); err != nil {
		return
	}
	if s, err = text(fn, "the text", args[0], example); err != nil {
		return
	}
	pattern, err := text(fn, "the pattern", args[1], example)
	if err != nil {
		return
	}
	if re, err = CompilePattern(fn, pattern); err != nil {
		return
	}
	if len(args) == 3 && takesGroup {
		var ok bool
		if group, ok = whole(args[2]); !ok || group < 0 || group > re.NumSubexp() {
			err = fmt.Errorf("%s: the group must be a whole number from 0 (the whole match) to %d (the pattern's groups), e.g. %s; got %s",
				fn, re.NumSubexp(), example, describe(args[2]))
		}
	}
	return
}

func regexMatchFunc(args ...any) (any, error) {
	s, re, _, err := regexArgs("regexMatch", args, 2, 2, false, "a text and a pattern", `regexMatch(email, '^[^@]+@[^@]+$')`)
	if err != nil {
		return nil, err
	}
	return re.MatchString(s), nil
}

func regexFindFunc(args ...any) (any, error) {
	s, re, group, err := regexArgs("regexFind", args, 2, 3, true, "a text, a pattern and an optional group number", `regexFind(text, 'order-(\\d+)', 1)`)
	if err != nil {
		return nil, err
	}
	m := re.FindStringSubmatchIndex(s)
	if m == nil || m[2*group] < 0 {
		return nil, nil
	}
	return s[m[2*group]:m[2*group+1]], nil
}

func regexFindAllFunc(args ...any) (any, error) {
	s, re, group, err := regexArgs("regexFindAll", args, 2, 3, true, "a text, a pattern and an optional group number", `regexFindAll(text, '\\d+')`)
	if err != nil {
		return nil, err
	}
	ms, err := findAll("regexFindAll", re, s, group > 0)
	if err != nil {
		return nil, err
	}
	out := make([]any, 0, len(ms))
	for _, m := range ms {
		if m[2*group] < 0 {
			out = append(out, nil) // the group took no part in this match
			continue
		}
		out = append(out, s[m[2*group]:m[2*group+1]])
	}
	return out, nil
}

// regexReplaceFunc replaces every match as regexp's ReplaceAllString
// does, with the replacement read once (ReplaceAllString reads it again
// for every match) and the result's size counted as it is made: a pattern
// matching the empty text, replaced by a long text, would otherwise make
// a text many times the size of the first.
func regexReplaceFunc(args ...any) (any, error) {
	const example = `regexReplace(phone, '[^0-9]', '')`
	s, re, _, err := regexArgs("regexReplace", args, 3, 3, false, "a text, a pattern and a replacement", example)
	if err != nil {
		return nil, err
	}
	repl, err := text("regexReplace", "the replacement", args[2], example)
	if err != nil {
		return nil, err
	}
	parts := readReplacement(re, repl)
	groups := false
	for _, p := range parts {
		groups = groups || p.group != nil
	}
	ms, err := findAll("regexReplace", re, s, groups)
	if err != nil {
		return nil, err
	}
	if len(ms)*len(parts) > maxReplaceSteps {
		return nil, fmt.Errorf("regexReplace: %d matches of a replacement of %d parts is too much work (at most %d); shorten the replacement", len(ms), len(parts), maxReplaceSteps)
	}
	// The literal parts alone may already make the result too long:
	// refuse before writing megabytes of it.
	literal, matched := 0, 0
	for _, p := range parts {
		if p.group == nil {
			literal += len(p.text)
		}
	}
	for _, m := range ms {
		matched += m[1] - m[0]
	}
	if len(s)-matched+len(ms)*literal > MaxTextBytes {
		return nil, errTextLimit("regexReplace", "replacing the matches")
	}
	var b strings.Builder
	last := 0
	for _, m := range ms {
		b.WriteString(s[last:m[0]])
		for _, p := range parts {
			if p.group == nil {
				b.WriteString(p.text)
				continue
			}
			for _, g := range p.group {
				if 2*g+1 < len(m) && m[2*g] >= 0 {
					b.WriteString(s[m[2*g]:m[2*g+1]])
					break
				}
			}
		}
		last = m[1]
		if b.Len()+len(s)-last > MaxTextBytes {
			return nil, errTextLimit("regexReplace", "replacing the matches")
		}
	}
	b.WriteString(s[last:])
	return b.String(), nil
}

// maxReplaceSteps bounds the parts regexReplace writes.
const maxReplaceSteps = 16 * MaxItems

// replPart is literal text, or the groups a $ reference may stand for
// (the first that took part in the match): one for $1, those of the
// name for ${name}, none for a group the pattern does not have.
type replPart struct {
	text  string
	group []int
}

// readReplacement cuts a replacement into its parts as regexp's Expand
// reads it: $$ is a $; $name and ${name} name a group by number or name
// (the longest run of letters, digits and _); a malformed $ is itself.
func readReplacement(re *regexp.Regexp, repl string) []replPart {
	var parts []replPart
	lit := func(t string) {
		if t == "" {
			return
		}
		if n := len(parts); n > 0 && parts[n-1].group == nil {
			parts[n-1].text += t
			return
		}
		parts = append(parts, replPart{text: t})
	}
	for {
		before, after, ok := strings.Cut(repl, "$")
		if !ok {
			break
		}
		lit(before)
		repl = after
		if strings.HasPrefix(repl, "$") {
			lit("$")
			repl = repl[1:]
			continue
		}
		name, rest, ok := groupName(repl)
		if !ok {
			lit("$")
			continue
		}
		repl = rest
		group := []int{}
		if num, err := strconv.Atoi(name); err == nil && num >= 0 && num < 1e8 && (name[0] != '0' || len(name) == 1) && strings.Trim(name, "0123456789") == "" {
			group = append(group, num)
		} else {
			for i, n := range re.SubexpNames() {
				if n == name && i > 0 {
					group = append(group, i)
				}
			}
		}
		parts = append(parts, replPart{group: group})
	}
	lit(repl)
	return parts
}

// groupName reads the name after a $: name, or {name}.
func groupName(s string) (name, rest string, ok bool) {
	brace := strings.HasPrefix(s, "{")
	if brace {
		s = s[1:]
	}
	i := 0
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '_' {
			break
		}
		i += size
	}
	if i == 0 {
		return "", "", false
	}
	name = s[:i]
	if brace {
		if i >= len(s) || s[i] != '}' {
			return "", "", false
		}
		i++
	}
	return name, s[i:], true
}

// matchInts bounds the integers the indexes of one call's matches take.
const matchInts = 4 * MaxItems

// findAll returns the indexes of every match of re in s, with its groups'
// when groups is set: at most MaxItems matches, fewer for a pattern with
// many groups, whose indexes take more room.
func findAll(fn string, re *regexp.Regexp, s string, groups bool) ([][]int, error) {
	if !groups {
		ms := re.FindAllStringIndex(s, MaxItems+1)
		if len(ms) > MaxItems {
			return nil, fmt.Errorf("%s: the pattern matches more than %d times (max_items)", fn, MaxItems)
		}
		return ms, nil
	}
	n := min(MaxItems, matchInts/(2*(re.NumSubexp()+1)))
	ms := re.FindAllStringSubmatchIndex(s, n+1)
	if len(ms) > n {
		if n == MaxItems {
			return nil, fmt.Errorf("%s: the pattern matches more than %d times (max_items)", fn, MaxItems)
		}
		return nil, fmt.Errorf("%s: the pattern matches more than %d times, the most for a pattern with %d groups", fn, n, re.NumSubexp())
	}
	return ms, nil
}
