package store

import (
	"time"
)

// appendTime appends t as FormatTime writes it.
func appendTime(b []byte, t time.Time) []byte {
	var c timeCache
	return c.append(b, t)
}

// timeCache appends times as FormatTime writes them, reusing the text up
// to the second of the time before (the times of a batch of records share
// most of theirs).
type timeCache struct {
	sec    int64
	prefix [19]byte // 2006-01-02T15:04:05
}

func (c *timeCache) append(b []byte, t time.Time) []byte {
	t = t.UTC()
	if sec := t.Unix(); sec != c.sec || c.prefix[0] == 0 {
		year, month, day := t.Date()
		if year < 0 || year > 9999 {
			return t.AppendFormat(b, TimeFormat)
		}
		hour, minute, second := t.Clock()
		p := c.prefix[:0]
		p = appendDigits(p, year, 4)
		p = append(p, '-')
		p = appendDigits(p, int(month), 2)
		p = append(p, '-')
		p = appendDigits(p, day, 2)
		p = append(p, 'T')
		p = appendDigits(p, hour, 2)
		p = append(p, ':')
		p = appendDigits(p, minute, 2)
		p = append(p, ':')
		appendDigits(p, second, 2)
		c.sec = sec
	}
	b = append(b, c.prefix[:]...)
	b = append(b, '.')
	b = appendDigits(b, t.Nanosecond()/1000, 6)
	return append(b, 'Z')
}

func appendDigits(b []byte, v, width int) []byte {
	var d [8]byte
	for i := width - 1; i >= 0; i-- {
		d[i] = byte('0' + v%10)
		v /= 10
	}
	return append(b, d[:width]...)
}
