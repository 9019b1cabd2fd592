"""Everyday sentences labelled by the original en_core_web_sm: the data the Fisher is estimated on.

Written for this project, labelled with `spacy_ewc.utils.generate_spacy_entities` and checked
by eye: sentences where the original model was clearly wrong were dropped.
"""

ORIGINAL_SPACY_LABELS = [
    (
        "Maria Lopez moved from Madrid to Chicago in March 2019 to work for Boeing.",
        {
            "entities": [
                (0, 11, "PERSON"),
                (23, 29, "GPE"),
                (33, 40, "GPE"),
                (44, 54, "DATE"),
                (67, 73, "ORG"),
            ]
        },
    ),
    (
        "Apple reported revenue of $89 billion for the quarter that ended in June.",
        {"entities": [(0, 5, "ORG"), (26, 37, "MONEY"), (42, 53, "DATE"), (68, 72, "DATE")]},
    ),
    (
        "My brother David spent two weeks hiking in the Alps last summer.",
        {"entities": [(11, 16, "PERSON"), (23, 32, "DATE"), (47, 51, "LOC"), (52, 63, "DATE")]},
    ),
    (
        "The city council of Toronto approved a budget of $14 billion on Tuesday.",
        {"entities": [(20, 27, "GPE"), (49, 60, "MONEY"), (64, 71, "DATE")]},
    ),
    (
        "About 40 percent of French voters stayed home during the regional elections.",
        {"entities": [(0, 16, "PERCENT"), (20, 26, "NORP")]},
    ),
    (
        "Our flight to Tokyo leaves at 6:45 tomorrow morning.",
        {"entities": [(14, 19, "GPE"), (30, 51, "TIME")]},
    ),
    (
        "Angela Merkel served as Chancellor of Germany for sixteen years.",
        {"entities": [(0, 13, "PERSON"), (38, 45, "GPE"), (50, 63, "DATE")]},
    ),
    (
        "The Mississippi River flooded several towns in Missouri last April.",
        {"entities": [(0, 21, "LOC"), (47, 55, "GPE"), (56, 66, "DATE")]},
    ),
    (
        "The Red Cross sent 50 volunteers to the coast of Louisiana after the storm.",
        {"entities": [(0, 13, "ORG"), (19, 21, "CARDINAL"), (49, 58, "GPE")]},
    ),
    (
        "Toyota plans to build a new factory in Kentucky by 2027.",
        {"entities": [(0, 6, "ORG"), (39, 47, "GPE"), (51, 55, "DATE")]},
    ),
    (
        "Many Brazilian fans traveled to Qatar for the World Cup in 2022.",
        {"entities": [(5, 14, "NORP"), (32, 37, "GPE"), (42, 55, "EVENT"), (59, 63, "DATE")]},
    ),
    (
        "The meeting with Microsoft executives starts at 10 o'clock on Monday.",
        {"entities": [(17, 26, "ORG"), (48, 58, "TIME"), (62, 68, "DATE")]},
    ),
    (
        "Inflation in Argentina climbed above 100 percent in 2023.",
        {"entities": [(13, 22, "GPE"), (31, 48, "PERCENT"), (52, 56, "DATE")]},
    ),
    (
        "Sarah Kim graduated from Stanford University with a degree in economics.",
        {"entities": [(0, 9, "PERSON"), (25, 44, "ORG")]},
    ),
    (
        "The Pacific Ocean covers roughly a third of the surface of the Earth.",
        {"entities": [(0, 17, "LOC"), (25, 40, "CARDINAL"), (63, 68, "LOC")]},
    ),
    (
        "My grandmother was born in a village near Naples in 1938.",
        {"entities": [(42, 48, "GPE"), (52, 56, "DATE")]},
    ),
    (
        "The Canadian government announced a new tax credit for families on Friday.",
        {"entities": [(4, 12, "NORP"), (67, 73, "DATE")]},
    ),
    (
        "Tom Hanks and Rita Wilson donated $1 million to a hospital in Los Angeles.",
        {"entities": [(0, 9, "PERSON"), (14, 25, "PERSON"), (34, 44, "MONEY"), (62, 73, "GPE")]},
    ),
    (
        "The train from Paris to Brussels takes about one hour and twenty minutes.",
        {"entities": [(15, 20, "GPE"), (24, 32, "GPE"), (39, 72, "TIME")]},
    ),
    (
        "Kenya and Ethiopia signed a trade agreement in Nairobi last week.",
        {"entities": [(0, 5, "GPE"), (10, 18, "GPE"), (47, 54, "GPE"), (55, 64, "DATE")]},
    ),
    (
        "The concert in Central Park begins at 8 p.m. and ends around midnight.",
        {"entities": [(15, 27, "LOC"), (38, 44, "TIME")]},
    ),
    (
        "Over 60 percent of Japanese households own a rice cooker.",
        {"entities": [(0, 15, "PERCENT"), (19, 27, "NORP")]},
    ),
    (
        "Michael Jordan won six championships with the Chicago Bulls.",
        {"entities": [(0, 14, "PERSON"), (19, 22, "CARDINAL"), (42, 59, "ORG")]},
    ),
    (
        "The Sahara Desert stretches across eleven countries in North Africa.",
        {"entities": [(4, 17, "LOC"), (35, 41, "CARDINAL"), (55, 67, "GPE")]},
    ),
    (
        "Barack Obama visited Hiroshima in May 2016.",
        {"entities": [(0, 12, "PERSON"), (21, 30, "GPE"), (34, 42, "DATE")]},
    ),
    (
        "The Mexican president met the mayor of Houston on Thursday afternoon.",
        {"entities": [(4, 11, "NORP"), (39, 46, "GPE"), (50, 58, "DATE"), (59, 68, "TIME")]},
    ),
    (
        "Roughly 8,000 runners took part in the Boston Marathon this year.",
        {"entities": [(0, 13, "CARDINAL"), (35, 54, "EVENT"), (55, 64, "DATE")]},
    ),
    (
        "The University of Oxford has more than 24,000 students.",
        {"entities": [(0, 24, "ORG"), (29, 45, "CARDINAL")]},
    ),
    (
        "Oil prices fell 5 percent after OPEC announced higher output.",
        {"entities": [(16, 25, "PERCENT"), (32, 36, "ORG")]},
    ),
    (
        "Carlos Santana played a free concert in Mexico City in 1999.",
        {"entities": [(0, 14, "PERSON"), (40, 51, "GPE"), (55, 59, "DATE")]},
    ),
    (
        "Samsung sold 60 million phones in the second quarter.",
        {"entities": [(0, 7, "ORG"), (13, 23, "CARDINAL"), (34, 52, "DATE")]},
    ),
    (
        "Emma Watson studied English literature at Brown University.",
        {"entities": [(0, 11, "PERSON"), (20, 27, "LANGUAGE"), (42, 58, "ORG")]},
    ),
    (
        "Italian tourists made up a quarter of all visitors to Malta last summer.",
        {"entities": [(0, 7, "NORP"), (54, 59, "GPE"), (60, 71, "DATE")]},
    ),
    ("The library closes at 5:30 p.m. on weekdays.", {"entities": [(22, 31, "TIME"), (35, 43, "DATE")]}),
    (
        "Nike signed a ten-year deal with the Kenyan athletics federation.",
        {"entities": [(0, 4, "ORG"), (14, 22, "DATE"), (37, 43, "NORP")]},
    ),
    (
        "Peter Nguyen has worked at the Bank of America branch in Dallas since 2010.",
        {"entities": [(0, 12, "PERSON"), (27, 46, "ORG"), (57, 63, "GPE"), (70, 74, "DATE")]},
    ),
    (
        "Spotify has over 500 million users in more than 180 countries.",
        {"entities": [(0, 7, "ORG"), (12, 28, "CARDINAL"), (38, 51, "CARDINAL")]},
    ),
    (
        "Chinese investors bought a hotel in Sydney for $120 million.",
        {"entities": [(0, 7, "NORP"), (36, 42, "GPE"), (47, 59, "MONEY")]},
    ),
    (
        "The festival in Edinburgh runs for three weeks every August.",
        {"entities": [(16, 25, "GPE"), (35, 59, "DATE")]},
    ),
    (
        "Ford recalled 200,000 trucks because of a faulty seat belt.",
        {"entities": [(0, 4, "ORG"), (14, 21, "CARDINAL")]},
    ),
    (
        "Rachel Green flew to Rome on Friday night.",
        {"entities": [(0, 12, "PERSON"), (21, 25, "GPE"), (29, 35, "DATE"), (36, 41, "TIME")]},
    ),
    (
        "The unemployment rate in Spain dropped to 12 percent in the spring.",
        {"entities": [(25, 30, "GPE"), (42, 52, "PERCENT"), (56, 66, "DATE")]},
    ),
    (
        "My neighbor Hassan drives a taxi in Cairo six days a week.",
        {"entities": [(12, 18, "PERSON"), (36, 41, "GPE"), (42, 50, "DATE")]},
    ),
    (
        "Dutch farmers protested outside the parliament in The Hague.",
        {"entities": [(0, 5, "NORP"), (50, 59, "GPE")]},
    ),
    (
        "The store gave a 20 percent discount to customers who arrived before 8 a.m.",
        {"entities": [(17, 27, "PERCENT"), (69, 75, "TIME")]},
    ),
    ("The Golden Gate Bridge opened to traffic in 1937.", {"entities": [(0, 22, "FAC"), (44, 48, "DATE")]}),
    (
        "IKEA opened a huge store outside Manila in November.",
        {"entities": [(0, 4, "ORG"), (33, 39, "GPE"), (43, 51, "DATE")]},
    ),
    (
        "The Russian ambassador left Washington on Wednesday.",
        {"entities": [(4, 11, "NORP"), (28, 38, "GPE"), (42, 51, "DATE")]},
    ),
    (
        "Almost half of the students at the school speak Spanish at home.",
        {"entities": [(0, 11, "CARDINAL"), (48, 55, "LANGUAGE")]},
    ),
    (
        "Jennifer Lopez performed at the Super Bowl halftime show in Miami.",
        {"entities": [(0, 14, "PERSON"), (28, 42, "EVENT"), (60, 65, "GPE")]},
    ),
    (
        "Volkswagen invested $2 billion in a battery plant in Tennessee.",
        {"entities": [(0, 10, "ORG"), (20, 30, "MONEY"), (53, 62, "GPE")]},
    ),
    (
        "The Nile flows north through Sudan and Egypt.",
        {"entities": [(4, 8, "LOC"), (29, 34, "GPE"), (39, 44, "GPE")]},
    ),
    (
        "The Australian cricket team arrived in Mumbai yesterday.",
        {"entities": [(4, 14, "NORP"), (39, 45, "GPE"), (46, 55, "DATE")]},
    ),
    (
        "The storm left 300,000 homes in Florida without power.",
        {"entities": [(15, 22, "CARDINAL"), (32, 39, "GPE")]},
    ),
    (
        "Harvard University received a gift of $50 million from a former student.",
        {"entities": [(0, 18, "ORG"), (38, 49, "MONEY")]},
    ),
    (
        "The Swiss National Bank cut interest rates by half a percentage point.",
        {"entities": [(0, 23, "ORG"), (46, 50, "CARDINAL")]},
    ),
    (
        "Coca-Cola sells about two billion drinks every day.",
        {"entities": [(0, 9, "ORG"), (16, 33, "CARDINAL"), (41, 50, "DATE")]},
    ),
    (
        "The Andes run along the western edge of South America.",
        {"entities": [(4, 9, "LOC"), (40, 53, "LOC")]},
    ),
    (
        "Greek officials expect 30 million tourists this year.",
        {"entities": [(0, 5, "NORP"), (23, 33, "CARDINAL"), (43, 52, "DATE")]},
    ),
    (
        "Mark Zuckerberg started Facebook in his dorm room at Harvard in 2004.",
        {"entities": [(0, 15, "PERSON"), (53, 60, "ORG"), (64, 68, "DATE")]},
    ),
    ("The price of a cup of coffee in Oslo is about $6.", {"entities": [(32, 36, "GPE"), (40, 48, "MONEY")]}),
    (
        "Heavy snow closed the airport in Denver for two days.",
        {"entities": [(33, 39, "GPE"), (44, 52, "DATE")]},
    ),
    (
        "Korean dramas became very popular in Chile during the pandemic.",
        {"entities": [(0, 6, "NORP"), (37, 42, "GPE")]},
    ),
    (
        "Shell sold its oil fields in Nigeria for $2.4 billion.",
        {"entities": [(0, 5, "ORG"), (29, 36, "GPE"), (41, 53, "MONEY")]},
    ),
    (
        "Anna and Luis got married in Lisbon on June 12.",
        {"entities": [(0, 4, "PERSON"), (9, 13, "PERSON"), (29, 35, "GPE"), (39, 46, "DATE")]},
    ),
    (
        "The Irish rugby team trained in Dublin on Tuesday morning.",
        {"entities": [(4, 9, "NORP"), (32, 38, "GPE"), (42, 49, "DATE"), (50, 57, "TIME")]},
    ),
    ("Over 70 percent of the island is covered by forest.", {"entities": [(0, 15, "PERCENT")]}),
    (
        "Oprah Winfrey launched her own television network in 2011.",
        {"entities": [(0, 13, "PERSON"), (53, 57, "DATE")]},
    ),
    (
        "The Bank of England raised rates for the fifth time this year.",
        {"entities": [(0, 19, "ORG"), (41, 46, "ORDINAL"), (52, 61, "DATE")]},
    ),
    (
        "A Turkish airline ordered 100 new planes from Airbus.",
        {"entities": [(2, 9, "NORP"), (26, 29, "CARDINAL"), (46, 52, "ORG")]},
    ),
    (
        "The marathon starts at 7 a.m. near the Brandenburg Gate.",
        {"entities": [(23, 29, "TIME"), (35, 55, "FAC")]},
    ),
    (
        "Kim Jong-un met Donald Trump in Singapore in June 2018.",
        {"entities": [(0, 11, "PERSON"), (16, 28, "PERSON"), (32, 41, "GPE"), (45, 54, "DATE")]},
    ),
    (
        "The mayor of Paris, Anne Hidalgo, wants fewer cars in the city center.",
        {"entities": [(13, 18, "GPE"), (20, 32, "PERSON")]},
    ),
    (
        "Polish truck drivers waited for twelve hours at the border.",
        {"entities": [(0, 6, "NORP"), (32, 44, "TIME")]},
    ),
    (
        "The Yankees signed the pitcher to a contract worth $324 million.",
        {"entities": [(4, 11, "ORG"), (51, 63, "MONEY")]},
    ),
    ("Intel will cut 15 percent of its workforce.", {"entities": [(0, 5, "ORG"), (15, 25, "PERCENT")]}),
    (
        "The Supreme Court heard the case on Wednesday morning.",
        {"entities": [(0, 17, "ORG"), (36, 45, "DATE"), (46, 53, "TIME")]},
    ),
    (
        "McDonald's has about 40,000 restaurants worldwide.",
        {"entities": [(0, 10, "ORG"), (15, 27, "CARDINAL")]},
    ),
    (
        "Lionel Messi joined Inter Miami in July 2023.",
        {"entities": [(0, 12, "PERSON"), (20, 31, "ORG"), (35, 44, "DATE")]},
    ),
    (
        "The price of eggs rose 60 percent in a single year.",
        {"entities": [(23, 33, "PERCENT"), (37, 50, "DATE")]},
    ),
    ("A Norwegian company built the longest road tunnel in the world.", {"entities": [(2, 11, "NORP")]}),
    (
        "Hurricane Katrina hit New Orleans in August 2005.",
        {"entities": [(0, 17, "EVENT"), (22, 33, "GPE"), (37, 48, "DATE")]},
    ),
    (
        "Professor Robert Chen teaches physics at the University of Toronto.",
        {"entities": [(10, 21, "PERSON"), (41, 66, "ORG")]},
    ),
    ("The bus to the airport leaves every 15 minutes.", {"entities": [(30, 46, "TIME")]}),
    ("Maya Angelou wrote seven autobiographies.", {"entities": [(0, 12, "PERSON"), (19, 24, "CARDINAL")]}),
    (
        "The Alps stretch from France to Slovenia.",
        {"entities": [(4, 8, "LOC"), (22, 28, "GPE"), (32, 40, "GPE")]},
    ),
    (
        "American farmers exported $30 billion of soybeans to China.",
        {"entities": [(0, 8, "NORP"), (26, 37, "MONEY"), (53, 58, "GPE")]},
    ),
    (
        "The party starts at 7:30 on Saturday evening at Jenny's house.",
        {"entities": [(20, 24, "TIME"), (28, 36, "DATE"), (37, 44, "TIME"), (48, 53, "PERSON")]},
    ),
    (
        "Boeing delivered 528 jets last year.",
        {"entities": [(0, 6, "ORG"), (17, 20, "CARDINAL"), (26, 35, "DATE")]},
    ),
    (
        "Pope Francis visited the Philippines in January 2015.",
        {"entities": [(5, 12, "PERSON"), (25, 36, "GPE"), (40, 52, "DATE")]},
    ),
    (
        "The Atlantic Ocean separates Europe from North America.",
        {"entities": [(4, 18, "LOC"), (29, 35, "LOC"), (41, 54, "LOC")]},
    ),
    (
        "Greta Thunberg sailed across the Atlantic in 2019.",
        {"entities": [(0, 14, "PERSON"), (33, 41, "LOC"), (45, 49, "DATE")]},
    ),
    ("About 90 percent of the residents voted in favor of the new park.", {"entities": [(0, 16, "PERCENT")]}),
    (
        "The Toronto Raptors won the NBA championship in 2019.",
        {"entities": [(0, 19, "ORG"), (28, 31, "ORG"), (48, 52, "DATE")]},
    ),
    ("Vietnamese coffee is often served with condensed milk.", {"entities": [(0, 10, "NORP")]}),
    (
        "Jeff Bezos stepped down as chief executive of Amazon in July 2021.",
        {"entities": [(0, 10, "PERSON"), (46, 52, "ORG"), (56, 65, "DATE")]},
    ),
    (
        "Kate Middleton and Prince William live in Windsor.",
        {"entities": [(0, 14, "PERSON"), (19, 33, "PERSON"), (42, 49, "GPE")]},
    ),
    (
        "The Dow Jones fell 500 points on Thursday.",
        {"entities": [(4, 13, "ORG"), (19, 22, "CARDINAL"), (33, 41, "DATE")]},
    ),
    (
        "Argentina won the World Cup for the third time in December 2022.",
        {"entities": [(0, 9, "GPE"), (14, 27, "EVENT"), (36, 41, "ORDINAL"), (50, 63, "DATE")]},
    ),
    (
        "The Egyptian government plans to move its capital east of Cairo.",
        {"entities": [(4, 12, "NORP"), (58, 63, "GPE")]},
    ),
    (
        "The Olympics in Tokyo were delayed by one year.",
        {"entities": [(4, 12, "EVENT"), (16, 21, "GPE"), (38, 46, "DATE")]},
    ),
    (
        "Siemens opened an office in Nairobi with 60 employees.",
        {"entities": [(0, 7, "ORG"), (28, 35, "GPE"), (41, 43, "CARDINAL")]},
    ),
    ("Mount Everest is 8,849 meters tall.", {"entities": [(0, 13, "LOC"), (17, 29, "QUANTITY")]}),
    (
        "Nearly 30 percent of Americans work from home at least one day a week.",
        {"entities": [(0, 17, "PERCENT"), (21, 30, "NORP"), (46, 62, "DATE")]},
    ),
    (
        "The Lagos traffic was so bad that Chidi arrived two hours late.",
        {"entities": [(4, 9, "GPE"), (34, 39, "PERSON"), (48, 57, "TIME")]},
    ),
    (
        "Leonardo DiCaprio won an Oscar in 2016.",
        {"entities": [(0, 17, "PERSON"), (25, 30, "WORK_OF_ART"), (34, 38, "DATE")]},
    ),
    (
        "Ben & Jerry's was founded in Vermont in 1978.",
        {"entities": [(0, 13, "ORG"), (29, 36, "GPE"), (40, 44, "DATE")]},
    ),
    ("The concert tickets sold out in twenty minutes.", {"entities": [(32, 46, "TIME")]}),
    (
        "Goldman Sachs paid its partners large bonuses in January.",
        {"entities": [(0, 13, "ORG"), (49, 56, "DATE")]},
    ),
    (
        "Germany spent 2 percent of its economic output on defense.",
        {"entities": [(0, 7, "GPE"), (14, 23, "PERCENT")]},
    ),
    (
        "Honda will stop selling petrol cars in Japan by 2040.",
        {"entities": [(0, 5, "ORG"), (39, 44, "GPE"), (48, 52, "DATE")]},
    ),
    ("Joe Biden won the election in November 2020.", {"entities": [(0, 9, "PERSON"), (30, 43, "DATE")]}),
    (
        "The Pentagon asked Congress for $842 billion.",
        {"entities": [(4, 12, "ORG"), (19, 27, "ORG"), (32, 44, "MONEY")]},
    ),
    (
        "The zoo in San Diego has more than 12,000 animals.",
        {"entities": [(11, 20, "GPE"), (25, 41, "CARDINAL")]},
    ),
    (
        "Ali's shop in Birmingham sells fresh bread every morning from 6 a.m.",
        {"entities": [(0, 3, "PERSON"), (14, 24, "GPE"), (43, 56, "TIME"), (62, 68, "TIME")]},
    ),
    (
        "Frank Miller retired from General Electric after thirty years.",
        {"entities": [(0, 12, "PERSON"), (26, 42, "ORG"), (49, 61, "DATE")]},
    ),
    (
        "The Chinese embassy in London closed for two days.",
        {"entities": [(4, 11, "NORP"), (23, 29, "GPE"), (41, 49, "DATE")]},
    ),
    (
        "Daniel Brooks flew from London to New York on Thursday.",
        {"entities": [(0, 13, "PERSON"), (24, 30, "GPE"), (34, 42, "GPE"), (46, 54, "DATE")]},
    ),
    (
        "The Italian government raised the minimum wage by 3 percent in January.",
        {"entities": [(4, 11, "NORP"), (50, 59, "PERCENT"), (63, 70, "DATE")]},
    ),
    (
        "Julia Roberts starred in a film that earned $460 million.",
        {"entities": [(0, 13, "PERSON"), (44, 56, "MONEY")]},
    ),
    ("Our son starts school in Melbourne next September.", {"entities": [(25, 34, "GPE"), (35, 49, "DATE")]}),
    (
        "The Ford plant in Michigan employs 4,000 workers.",
        {"entities": [(4, 8, "ORG"), (18, 26, "GPE"), (35, 40, "CARDINAL")]},
    ),
    (
        "Nearly 80 percent of Dutch people own a bicycle.",
        {"entities": [(0, 17, "PERCENT"), (21, 26, "NORP")]},
    ),
    (
        "Microsoft opened a new office in Dublin in 2021.",
        {"entities": [(0, 9, "ORG"), (33, 39, "GPE"), (43, 47, "DATE")]},
    ),
    (
        "The German chancellor flew to Washington on Tuesday.",
        {"entities": [(4, 10, "NORP"), (30, 40, "GPE"), (44, 51, "DATE")]},
    ),
    ("A cup of tea costs about $3 in New York.", {"entities": [(19, 27, "MONEY"), (31, 39, "GPE")]}),
    (
        "Robert Smith has lived in Texas for twenty years.",
        {"entities": [(0, 12, "PERSON"), (26, 31, "GPE"), (36, 48, "DATE")]},
    ),
    (
        "The Spanish team beat Italy in Madrid last night.",
        {"entities": [(4, 11, "NORP"), (22, 27, "GPE"), (31, 37, "GPE"), (38, 48, "TIME")]},
    ),
    (
        "Google bought the company for $2.1 billion in 2019.",
        {"entities": [(0, 6, "ORG"), (30, 42, "MONEY"), (46, 50, "DATE")]},
    ),
    (
        "About 25 percent of Canadians live in Ontario.",
        {"entities": [(0, 16, "PERCENT"), (20, 29, "NORP"), (38, 45, "GPE")]},
    ),
    (
        "Hillary Clinton visited China in February 2009.",
        {"entities": [(0, 15, "PERSON"), (24, 29, "GPE"), (33, 46, "DATE")]},
    ),
    (
        "The museum in Boston reopened on Monday after two years of repairs.",
        {"entities": [(14, 20, "GPE"), (33, 39, "DATE"), (46, 55, "DATE")]},
    ),
    (
        "Toyota sold 10 million cars in 2022.",
        {"entities": [(0, 6, "ORG"), (12, 22, "CARDINAL"), (31, 35, "DATE")]},
    ),
    ("My sister Anna works as a nurse in Philadelphia.", {"entities": [(10, 14, "PERSON"), (35, 47, "GPE")]}),
    (
        "The French president spoke to the press in Paris on Friday.",
        {"entities": [(4, 10, "NORP"), (43, 48, "GPE"), (52, 58, "DATE")]},
    ),
    ("The meeting in Geneva lasted three hours.", {"entities": [(15, 21, "GPE"), (29, 40, "TIME")]}),
    (
        "Indian engineers built the dam in less than five years.",
        {"entities": [(0, 6, "NORP"), (34, 54, "DATE")]},
    ),
    (
        "Sony moved its European headquarters to Amsterdam in 2019.",
        {"entities": [(0, 4, "ORG"), (15, 23, "NORP"), (40, 49, "GPE"), (53, 57, "DATE")]},
    ),
    (
        "George Washington became the first president of the United States in 1789.",
        {"entities": [(0, 17, "PERSON"), (29, 34, "ORDINAL"), (48, 65, "GPE"), (69, 73, "DATE")]},
    ),
    (
        "The Chinese company opened a factory in Hungary last year.",
        {"entities": [(4, 11, "NORP"), (40, 47, "GPE"), (48, 57, "DATE")]},
    ),
    (
        "The price of bread in Britain rose 15 percent last year.",
        {"entities": [(22, 29, "GPE"), (35, 45, "PERCENT"), (46, 55, "DATE")]},
    ),
    (
        "Michael Brown works for Citibank in Hong Kong.",
        {"entities": [(0, 13, "PERSON"), (24, 32, "ORG"), (36, 45, "GPE")]},
    ),
    (
        "The Japanese prime minister arrived in Canberra on Wednesday.",
        {"entities": [(4, 12, "NORP"), (39, 47, "GPE"), (51, 60, "DATE")]},
    ),
    (
        "Jennifer and Mark moved to Denver in the summer of 2018.",
        {"entities": [(0, 8, "PERSON"), (13, 17, "PERSON"), (27, 33, "GPE"), (37, 55, "DATE")]},
    ),
    (
        "The Los Angeles Lakers signed the player for $85 million.",
        {"entities": [(0, 22, "ORG"), (45, 56, "MONEY")]},
    ),
    (
        "About 12 percent of Americans live in California.",
        {"entities": [(0, 16, "PERCENT"), (20, 29, "NORP"), (38, 48, "GPE")]},
    ),
    (
        "John Lennon was born in Liverpool in 1940.",
        {"entities": [(0, 11, "PERSON"), (24, 33, "GPE"), (37, 41, "DATE")]},
    ),
    (
        "The Brazilian president visited Beijing in April 2023.",
        {"entities": [(4, 13, "NORP"), (32, 39, "GPE"), (43, 53, "DATE")]},
    ),
    (
        "The airline carried 50 million passengers in 2019.",
        {"entities": [(20, 30, "CARDINAL"), (45, 49, "DATE")]},
    ),
    (
        "Sarah met her husband at a cafe in Seattle in 2005.",
        {"entities": [(0, 5, "PERSON"), (35, 42, "GPE"), (46, 50, "DATE")]},
    ),
    (
        "The African Union held a summit in Addis Ababa in February.",
        {"entities": [(0, 17, "ORG"), (35, 46, "GPE"), (50, 58, "DATE")]},
    ),
    (
        "The concert starts at 8:30 and ends before 11 p.m.",
        {"entities": [(22, 26, "TIME"), (43, 50, "TIME")]},
    ),
    (
        "Oxford beat Cambridge in the boat race on Sunday.",
        {"entities": [(0, 6, "ORG"), (12, 21, "GPE"), (42, 48, "DATE")]},
    ),
    (
        "David Beckham played for Real Madrid for four years.",
        {"entities": [(0, 13, "PERSON"), (25, 36, "ORG"), (41, 51, "DATE")]},
    ),
    (
        "Amazon hired 100,000 new workers in the United States last month.",
        {"entities": [(0, 6, "ORG"), (13, 20, "CARDINAL"), (36, 53, "GPE"), (54, 64, "DATE")]},
    ),
    (
        "The Korean company paid $5 billion for the British firm.",
        {"entities": [(4, 10, "NORP"), (24, 34, "MONEY"), (43, 50, "NORP")]},
    ),
    (
        "My grandfather worked in a coal mine in Wales for forty years.",
        {"entities": [(40, 45, "GPE"), (50, 61, "DATE")]},
    ),
    (
        "The Greek island attracts two million tourists every summer.",
        {"entities": [(4, 9, "NORP"), (26, 37, "CARDINAL"), (47, 59, "DATE")]},
    ),
    (
        "Lucy Chen opened a dental clinic in Vancouver in 2016.",
        {"entities": [(0, 9, "PERSON"), (36, 45, "GPE"), (49, 53, "DATE")]},
    ),
    (
        "Half of the Irish workers in the survey wanted to work from home.",
        {"entities": [(0, 4, "CARDINAL"), (12, 17, "NORP")]},
    ),
    (
        "The Prime Minister of India met Joe Biden at the White House on Thursday.",
        {"entities": [(22, 27, "GPE"), (32, 41, "PERSON"), (45, 60, "FAC"), (64, 72, "DATE")]},
    ),
    (
        "The Swedish government gave $10 million to the United Nations.",
        {"entities": [(4, 11, "NORP"), (28, 39, "MONEY"), (43, 61, "ORG")]},
    ),
    (
        "Around 5 percent of the world's population lives in the United States.",
        {"entities": [(0, 16, "PERCENT"), (52, 69, "GPE")]},
    ),
    (
        "Mary Johnson was elected mayor of Atlanta in 2017.",
        {"entities": [(0, 12, "PERSON"), (34, 41, "GPE"), (45, 49, "DATE")]},
    ),
    (
        "Boeing moved its headquarters from Seattle to Chicago in 2001.",
        {"entities": [(0, 6, "ORG"), (35, 42, "GPE"), (46, 53, "GPE"), (57, 61, "DATE")]},
    ),
    (
        "Four Australian tourists were rescued near Bali on Tuesday.",
        {"entities": [(0, 4, "CARDINAL"), (5, 15, "NORP"), (43, 47, "GPE"), (51, 58, "DATE")]},
    ),
    (
        "The Mexican restaurant on Main Street serves 500 customers a day.",
        {"entities": [(4, 11, "NORP"), (26, 37, "FAC"), (45, 48, "CARDINAL")]},
    ),
    (
        "Bill Gates and Paul Allen started Microsoft in 1975.",
        {"entities": [(0, 10, "PERSON"), (15, 25, "PERSON"), (34, 43, "ORG"), (47, 51, "DATE")]},
    ),
    (
        "The European Central Bank raised interest rates in July.",
        {"entities": [(0, 25, "ORG"), (51, 55, "DATE")]},
    ),
    (
        "My friend Carlos lives in Miami with his two dogs.",
        {"entities": [(10, 16, "PERSON"), (26, 31, "GPE"), (41, 44, "CARDINAL")]},
    ),
    (
        "The hospital in Zurich hired 300 nurses last year.",
        {"entities": [(16, 22, "GPE"), (29, 32, "CARDINAL"), (40, 49, "DATE")]},
    ),
    (
        "The British Museum has about eight million objects.",
        {"entities": [(0, 18, "ORG"), (23, 42, "CARDINAL")]},
    ),
    (
        "Thomas Edison opened his first laboratory in New Jersey in 1876.",
        {"entities": [(0, 13, "PERSON"), (25, 30, "ORDINAL"), (45, 55, "GPE"), (59, 63, "DATE")]},
    ),
    (
        "Prices in Turkey rose 50 percent in a single year.",
        {"entities": [(10, 16, "GPE"), (22, 32, "PERCENT"), (36, 49, "DATE")]},
    ),
    (
        "Maria and her children spent Christmas in Mexico.",
        {"entities": [(0, 5, "PERSON"), (29, 38, "DATE"), (42, 48, "GPE")]},
    ),
    (
        "The Canadian company sold its oil business for $4 billion.",
        {"entities": [(4, 12, "NORP"), (47, 57, "MONEY")]},
    ),
    ("We arrived at the hotel in Rome at 2 a.m.", {"entities": [(27, 31, "GPE"), (35, 41, "TIME")]}),
    (
        "Fifty Nigerian students won scholarships to study in Germany.",
        {"entities": [(0, 5, "CARDINAL"), (6, 14, "NORP"), (53, 60, "GPE")]},
    ),
]
