module github.com/entgar/entgar

go 1.26.8

require (
	github.com/klauspost/compress v1.18.0
	golang.org/x/text v0.31.0
	gopkg.in/yaml.v3 v3.0.1
)
