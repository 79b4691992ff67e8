module Interface.Schema exposing (..)

{-| BuildAmp's schema vocabulary. buildamp knows these names; this module is
only here so the Elm compiler knows them too.
-}


type alias DatabaseId a =
    a


type alias ForeignKey parent child =
    child


type alias MultiTenant =
    String


type alias Host =
    String


type alias Timestamp =
    Int


type alias CreateTimestamp =
    Int


type alias UpdateTimestamp =
    Maybe Int


type alias SoftDelete =
    Maybe Int


type alias RichContent =
    String


type alias Link =
    String
