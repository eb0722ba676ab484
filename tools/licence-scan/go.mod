module faultline.local/tools/licence-scan

go 1.23.0

require github.com/google/licensecheck v0.3.1
