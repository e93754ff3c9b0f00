import GRDB

/// Survey and raffle tables (placeholder until the survey lands).
func registerSurveyMigrations(_ migrator: inout DatabaseMigrator) {}
