module Schema.Tag exposing (ItemTag, Tag)

{-| Tags, and which items carry them.
-}

import Interface.Schema exposing (CreateTimestamp, DatabaseId, ForeignKey, MultiTenant)
import Schema.MicroblogItem exposing (MicroblogItem)


type alias Tag =
    { id : DatabaseId String
    , host : MultiTenant
    , name : String -- @unique
    , createdAt : CreateTimestamp
    }


{-| Join table: no id, two foreign keys.
-}
type alias ItemTag =
    { host : MultiTenant
    , itemId : ForeignKey MicroblogItem String
    , tagId : ForeignKey Tag String
    , createdAt : CreateTimestamp
    }
