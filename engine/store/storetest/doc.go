// Package storetest is one test suite for every backend of package store,
// in the style of River's riverdrivertest: a backend's test calls Run with
// a function that opens a fresh, empty store.
//
// # Files
//
//	storetest.go  Run and the suite: migrations, table sync, definition versions, execution records
//	admin.go      the suite's tests of renames and table listings
//	postgres.go   PostgresURL: a fresh schema on the test server
package storetest
