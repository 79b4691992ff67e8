use buildamp::framework::*;

#[derive(BuildAmpDomain)]
pub struct Team {
    pub id: DatabaseId<String>,
    pub name: String,
    #[migration(on_delete = "set null")]
    pub captain_id: Option<ForeignKey<Player, String>>,
}

#[derive(BuildAmpDomain)]
pub struct Player {
    pub id: DatabaseId<String>,
    #[migration(on_delete = "cascade")]
    pub team_id: ForeignKey<Team, String>,
}
