// Package steps holds funcstack's step types, one file each. Every file
// registers its type with engine.Register in init: the type name, its
// fields (the parameter schema the validator and the builder UI read), an
// example, and the compile function that checks the fields and returns the
// function that runs the step.
//
// Import the package for its side effect:
//
//	import _ "github.com/funcstack/funcstack/steps"
package steps
