module Schema.MicroblogItem exposing (ItemStatus(..), ItemSummary, MicroblogItem)

{-| MicroblogItem model for curated content.

Each item represents a piece of content curated from the web,
with optional link, image, and extract.

-}

import Interface.Schema exposing (CreateTimestamp, DatabaseId, Link, MultiTenant, RichContent, SoftDelete, UpdateTimestamp)


{-| Where an item is in its life.
-}
type ItemStatus
    = Draft
    | Published
    | Archived


{-| One curated item.

@table indexes=["created_at DESC"]

-}
type alias MicroblogItem =
    { id : DatabaseId String
    , host : MultiTenant
    , title : String
    , link : Maybe Link
    , image : Maybe Link
    , extract : Maybe RichContent
    , ownerComment : RichContent
    , tags : List String
    , status : ItemStatus
    , rating : Float
    , featured : Bool -- shown on the front page
    , createdAt : CreateTimestamp
    , updatedAt : UpdateTimestamp
    , viewCount : Int -- @default "0"
    , deletedAt : SoftDelete
    }


{-| What the list view shows: a record beside the model, not a table.
-}
type alias ItemSummary =
    { id : String
    , title : String
    , commentCount : Int
    }
